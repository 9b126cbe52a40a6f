// PyTorch on the CPU as a peer for the whole training step (Node only): spawns bench/torch_unet.py with the
// preset's config as JSON, checks that its UNet has our parameter shapes, and then steps it on request, one
// step at a time, so that bench/e2e.ts can interleave its steps with ours. Where python3 or torch is missing
// the peer says so in a note ("skipped: install python3-torch …") and the bench goes on without it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { UNetConfig } from '../src/model/config.ts';
import type { CpuPeer, CpuPeerSession } from './e2e.ts';

export const TORCH_SKIP_NOTE = 'skipped: install python3-torch (scripts/setup.sh --with-torch)';
export const TORCH_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'torch_unet.py');

export interface TorchOptions {
  /** The interpreter: $TORCH_PYTHON, else Debian's /usr/bin/python3 (python3-torch installs there), else python3 on PATH. */
  python?: string;
  /** torch.set_num_threads (default 1); above 1 the child gets OMP_WAIT_POLICY=PASSIVE (idle threads sleep instead of spinning). */
  threads?: number;
  /** Untimed steps before the first timed one (default 1, as ours). */
  warmup?: number;
}

export function defaultPython(): string {
  return process.env.TORCH_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

/** What the script says about its model: parameter count and shapes, torch version, threads. */
export interface TorchInfo { params: number; shapes: string[]; torch: string; threads: number; batch: number; python: string }

type Line = Record<string, unknown>;

function launch(cfg: UNetConfig, batch: number, o: TorchOptions, mode: string[]) {
  const threads = o.threads ?? 1;
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads) };
  if (threads > 1) env.OMP_WAIT_POLICY = 'PASSIVE';
  const args = [TORCH_SCRIPT, '--config', JSON.stringify(cfg), '--batch', String(batch), '--threads', String(threads), '--warmup', String(o.warmup ?? 1), ...mode];
  const child = spawn(o.python ?? defaultPython(), args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {}); // EPIPE from a child that has exited: reported by why()
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const lines: Line[] = [];
  const waiting: ((l: Line | null) => void)[] = [];
  let ended = false;
  const deliver = (l: Line | null) => {
    const w = waiting.shift();
    if (w) w(l);
    else if (l) lines.push(l);
  };
  createInterface({ input: child.stdout }).on('line', (s) => {
    if (!s.trim().startsWith('{')) return;
    try {
      deliver(JSON.parse(s) as Line);
    } catch {
      // not one of ours (a library printing to stdout)
    }
  });
  let spawnError: Error | null = null;
  const done = new Promise<number | null>((res) => {
    child.on('error', (e) => {
      spawnError = e;
      res(null);
    });
    child.on('close', (code) => res(code));
  });
  void done.then(() => {
    ended = true;
    while (waiting.length) waiting.shift()!(null);
  });
  /** The next JSON line, or null once the process has ended. */
  const next = (): Promise<Line | null> => (lines.length ? Promise.resolve(lines.shift()!) : ended ? Promise.resolve(null) : new Promise((res) => waiting.push(res)));
  const why = async (): Promise<string> => {
    const code = await done;
    if (spawnError) return `${TORCH_SKIP_NOTE}; could not run ${o.python ?? defaultPython()} (${(spawnError as Error).message})`;
    return `PyTorch peer exited with status ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`;
  };
  return { child, next, why, done };
}

/** A first line that says torch is missing becomes the skip note; any other failure is an error. */
async function firstLine(p: ReturnType<typeof launch>): Promise<Line | { skipped: string }> {
  const l = await p.next();
  if (l && l.error === 'no-torch') {
    await p.done;
    return { skipped: `${TORCH_SKIP_NOTE}; ${l.python} has no torch` };
  }
  if (!l || l.error) {
    const w = await p.why();
    if (w.startsWith(TORCH_SKIP_NOTE)) return { skipped: w };
    throw new Error(l?.error ? `PyTorch peer: ${String(l.error)}` : w);
  }
  return l;
}

/** The script's parameter count and shapes for a config, without training (for tests and checks). */
export async function torchInfo(cfg: UNetConfig, o: TorchOptions = {}): Promise<TorchInfo | { skipped: string }> {
  const p = launch(cfg, 1, o, ['--count']);
  p.child.stdin.end();
  const l = await firstLine(p);
  await p.done;
  return l as TorchInfo | { skipped: string };
}

/** The timing method, for the record and the report. */
export const TORCH_TIMING = 'wall clock (time.perf_counter) around a whole step: batch draw, noising, zero_grad, forward, MSE, backward, AdamW, EMA; synchronous on the CPU, no async work';

/** PyTorch on the CPU as bench/e2e.ts's interleaved peer. */
export function torchPeer(o: TorchOptions = {}): CpuPeer {
  return {
    key: 'torch',
    name: 'PyTorch',
    async start(cfg: UNetConfig, batch: number): Promise<CpuPeerSession | { skipped: string }> {
      const p = launch(cfg, batch, o, ['--serve']);
      const ready = await firstLine(p);
      if ('skipped' in ready) return ready as { skipped: string };
      const info = ready as unknown as TorchInfo;
      const threads = info.threads;
      const policy = threads > 1 ? ', OMP_WAIT_POLICY=PASSIVE' : '';
      return {
        params: info.params,
        shapes: info.shapes,
        label: `PyTorch ${info.torch} on the CPU, ${threads} thread${threads === 1 ? '' : 's'}${policy}`,
        timing: TORCH_TIMING,
        step: async () => {
          p.child.stdin.write('step\n');
          const l = await p.next();
          if (!l || typeof l.ms !== 'number') throw new Error(l ? `PyTorch peer: ${JSON.stringify(l)}` : await p.why());
          return l.ms;
        },
        close: () => {
          if (p.child.exitCode === null && !p.child.killed) p.child.stdin.end('quit\n');
        },
      };
    },
  };
}
