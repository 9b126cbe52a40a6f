// Shared command-line plumbing: option parsing helpers that fail with a one-line usage error (no stack
// trace), and the GPU set-up every command does (Dawn device, autotuned kernel variants).
import { createNodeGpu } from '../src/platform/node.ts';
import { nodeTuneCache } from '../src/platform/tune-node.ts';
import { autotune } from '../src/runtime/autotune.ts';
import type { Gpu } from '../src/runtime/gpu.ts';

export class UsageError extends Error {}

export function int(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got "${v}"`);
    return n;
  };
}

export function num(name: string, min = -Infinity, max = Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got "${v}"`);
    return n;
  };
}

export function oneOf<T extends string>(name: string, values: readonly T[]) {
  return (v: string): T => {
    if (!values.includes(v as T)) throw new UsageError(`--${name} must be one of ${values.join(', ')}, got "${v}"`);
    return v as T;
  };
}

/** Runs a command's main, turning usage errors and expected failures into one line and an exit code. */
export async function runCli(usage: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
    process.exit(0);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
    if (err instanceof UsageError || err.code?.startsWith('commander.')) {
      const msg = err.message.replace(/^error: /, '');
      console.error(`error: ${msg}\nusage: ${usage}`);
      process.exit(2);
    }
    console.error(`error: ${err.message}`);
    if (process.env.DEBUG) console.error(err.stack);
    process.exit(1);
  }
}

export async function setupGpu(tune = true, quiet = false): Promise<Gpu> {
  const gpu = await createNodeGpu();
  const a = gpu.adapterInfo;
  if (tune) {
    const t = await autotune(gpu, nodeTuneCache());
    if (!quiet) console.log(`adapter: ${a.vendor} ${a.architecture} (${a.description}); kernels: conv ${t.conv.forward}/${t.conv.backwardInput}/${t.conv.backwardWeight}, reductions ${t.reduce}, attention ${t.attention}`);
  } else if (!quiet) {
    console.log(`adapter: ${a.vendor} ${a.architecture} (${a.description})`);
  }
  return gpu;
}
