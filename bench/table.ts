// The bench's console table: a header once, then one line per record as it is measured, so a long run
// shows progress and the table is printed exactly once. Columns are a subset of the report's (same
// headers, same numbers); the files carry the rest.
import { columns, isEndToEnd, opLabel, type Column, type PeerKey } from './report-rows.ts';
import type { BenchRecord } from './suite.ts';

/** Console width and header per column id; columns not listed stay out of the console. */
const CONSOLE: Record<string, [number, string]> = {
  kernel: [24, 'kernel'], variant: [20, 'variant'], shape: [26, 'shape'],
  ours_ms: [10, 'kernels'], gflops: [8, 'GFLOP/s'], ours_rb: [10, '+readback'],
  tfjs_rb: [10, '+readback'], tfjs_ratio_rb: [8, '÷ ours'], tfjs_ratio_kernel: [8, '÷ kernels'],
  jaxjs_rb: [10, '+readback'], jaxjs_ratio_rb: [8, '÷ ours'], jaxjs_ratio_kernel: [8, '÷ kernels'],
  tfjs_wasm_rb: [10, '+readback'], tfjs_wasm_ratio_rb: [8, '÷ ours'],
  torch_rb: [10, 'step ms'], torch_ratio_rb: [8, '÷ ours'],
  rel_err: [8, 'rel err'],
};

export interface ConsoleTable {
  header: string[];
  /** One line, or two for an end-to-end row (its note below it). */
  row(r: BenchRecord): string;
}

export function consoleTable(peers: PeerKey[]): ConsoleTable {
  const cols = columns(peers).filter((c) => CONSOLE[c.id] !== undefined);
  const width = (c: Column) => CONSOLE[c.id][0];
  const cell = (c: Column, s: string) => (c.num ? s.padStart(width(c)) : s.padEnd(width(c)));
  const line = (f: (c: Column) => string) => cols.map((c) => cell(c, f(c))).join(' ').trimEnd();
  // Group names start over their group's first column ("ours", "TensorFlow.js", …) and may run over the
  // group's other columns; the column heads go below.
  let groups = '';
  let at = 0;
  for (const c of cols) {
    if (c.group && cols.find((d) => d.group === c.group) === c) groups = groups.padEnd(at) + c.group;
    at += width(c) + 1;
  }
  return {
    header: [groups, line((c) => CONSOLE[c.id][1]), line((c) => '-'.repeat(width(c)))],
    row: (r) => {
      // End-to-end rows carry a note in their direction ("tiny (encode 85 ms CPU; 18 MiB GPU; …)"): it goes on
      // a line of its own so the columns stay aligned.
      const label = opLabel(r);
      const cut = isEndToEnd(r) ? label.indexOf(' (') : -1;
      if (cut < 0) return line((c) => c.text(r));
      return `${line((c) => (c.id === 'kernel' ? label.slice(0, cut) : c.text(r)))}\n  ${label.slice(cut + 2, -1)}`;
    },
  };
}
