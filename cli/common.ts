// Shared command-line plumbing: option parsing helpers that fail with a one-line usage error (no stack
// trace), and the GPU set-up every command does (Dawn device, autotuned kernel variants).
import { Option, type Command } from 'commander';
import { ADAPTER_ENV, ADAPTER_KINDS, createNodeGpu, parseAdapterKind, type AdapterKind } from '../src/platform/node.ts';
import { adapterLine } from '../src/runtime/device.ts';
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

/** The --adapter option every command takes (WEBGPU_ADAPTER does the same; the flag wins). */
export function addAdapterOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--adapter <kind>', `WebGPU adapter: auto (GPU, then lavapipe, then SwiftShader) or ${ADAPTER_KINDS.join(', ')}; env ${ADAPTER_ENV}`)
      .argParser((v: string) => {
        try {
          return parseAdapterKind(v);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      }),
  );
}

/** The adapter asked for by --adapter, else WEBGPU_ADAPTER, else auto — checked before any GPU work. */
export function chosenAdapter(flag: AdapterKind | 'auto' | undefined): AdapterKind | 'auto' {
  if (flag !== undefined) return flag;
  try {
    return parseAdapterKind(process.env[ADAPTER_ENV], ADAPTER_ENV);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export async function setupGpu(tune = true, quiet = false, adapter?: AdapterKind | 'auto'): Promise<Gpu> {
  const gpu = await createNodeGpu({ adapter: chosenAdapter(adapter) });
  const line = `adapter: ${adapterLine(gpu.adapterInfo)}`;
  if (tune) {
    const t = await autotune(gpu, nodeTuneCache());
    if (!quiet) console.log(`${line}; kernels: conv ${t.conv.forward}/${t.conv.backwardInput}/${t.conv.backwardWeight}, reductions ${t.reduce}, attention ${t.attention}`);
  } else if (!quiet) {
    console.log(line);
  }
  return gpu;
}

/** The adapter as recorded in checkpoints, eval JSON and bench reports. */
export function adapterRecord(gpu: Gpu): { kind: string; vendor: string; architecture: string; description: string } {
  const a = gpu.adapterInfo;
  return { kind: a.kind, vendor: a.vendor, architecture: a.architecture, description: a.description };
}
