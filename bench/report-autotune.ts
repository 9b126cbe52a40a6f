// The autotune record of a bench run in words: which reduction, attention, matmul and concat designs the runtime picked for
// this adapter, and the conv2d design per direction and shape class, each with the times behind the choice.
// Shared by the Markdown and HTML reports (platform neutral).

interface TuneRecord {
  policy?: { conv?: Record<string, string>; convByShape?: Record<string, string>; reduce?: string; groupnorm?: string; attention?: string; matmul?: string; matmulSmall?: string; copy?: string };
  ms?: Record<string, number>;
}

export interface TuneCell {
  chosen: string;
  /** "direct 1.2 ms, blocked 0.8 ms, …" */
  times: string;
}

export interface TuneSummary {
  reduce: TuneCell;
  /** GroupNorm kernels ('reduce' style or 'lanes'); absent in runs from before it was measured. */
  groupnorm?: TuneCell;
  attention: TuneCell;
  /** Absent in runs from before the matmul choice existed. */
  matmul?: TuneCell;
  /** Channel concat/split design; absent in runs from before it was measured. */
  concat?: TuneCell;
  /** forward / input gradient / weight gradient default for shapes outside the measured classes. */
  convDefault: string;
  /** Per shape class (kernel, stride, channel bucket, output-plane bucket): forward, input gradient, weight gradient. */
  classes: { cls: string; cells: TuneCell[] }[];
}

/** "variant 12 ms, …" for every candidate whose key starts with prefix. */
function timed(r: TuneRecord, prefix: string): string {
  return Object.entries(r.ms ?? {})
    .filter(([k]) => k.startsWith(prefix))
    .map(([k, v]) => `${k.slice(prefix.length)} ${v.toFixed(1)} ms`)
    .join(', ');
}

/** The run's kernel choices, or null when the run recorded none. */
export function tuneSummary(t: unknown): TuneSummary | null {
  const r = t as TuneRecord | null;
  const p = r?.policy;
  if (!r || !p?.conv) return null;
  const classes = [...new Set(Object.keys(p.convByShape ?? {}).map((k) => k.split('|')[1]))];
  // A kernel group's row (`k3s1`: its prevailing design, for its unmeasured classes) has no times of its own.
  const isGroup = (cls: string) => !cls.includes('c');
  const cell = (dir: string, cls: string): TuneCell => ({
    chosen: p.convByShape?.[`${dir}|${cls}`] ?? '—',
    times: isGroup(cls) ? 'prevailing in the group' : timed(r, `conv.${dir}.${cls}.`),
  });
  return {
    reduce: { chosen: p.reduce ?? '—', times: timed(r, 'reduce.') },
    // GroupNorm's candidates are the two reduction styles ('reduce') and, where measured, 'lanes'.
    ...(p.groupnorm ? { groupnorm: { chosen: p.groupnorm, times: [timed(r, 'reduce.'), timed(r, 'groupnorm.')].filter((x) => x).join(', ') } } : {}),
    attention: { chosen: p.attention ?? '—', times: timed(r, 'attention.') },
    // Runs since 2026-12-03 also choose for small products (under 2^18 multiply-adds) separately.
    ...(p.matmul
      ? {
        matmul: p.matmulSmall
          ? { chosen: `${p.matmul}, small products ${p.matmulSmall}`, times: `${timed(r, 'matmul.')}; small: ${timed(r, 'matmulSmall.')}` }
          : { chosen: p.matmul, times: timed(r, 'matmul.') },
      }
      : {}),
    ...(p.copy ? { concat: { chosen: p.copy, times: timed(r, 'concat.') } } : {}),
    convDefault: `${p.conv.forward}/${p.conv.backwardInput}/${p.conv.backwardWeight}`,
    classes: classes.map((cls) => ({ cls: isGroup(cls) ? `${cls} (unmeasured classes)` : cls, cells: ['forward', 'backwardInput', 'backwardWeight'].map((d) => cell(d, cls)) })),
  };
}
