// TensorFlow.js's WASM backend (XNNPACK kernels) in the benchmark page: its three binaries come from
// node_modules as build assets (served by vite build/preview next to the page), and the flavour that actually
// runs is whatever the page allows — threaded SIMD needs SharedArrayBuffer, i.e. a cross-origin isolated page
// (bench.html is served with COOP/COEP, bench/vite-wasm-peer.ts), else SIMD alone, else plain.
import * as tf from '@tensorflow/tfjs-core';
// The package's ES module entry imports files its npm release lacks (wasm-out/*.js); its flat ES bundle is whole.
import { getThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.fesm.js';
import plainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerComposedKernels } from './tfjs-wasm-kernels.ts';

/** Which WASM build ran, as the run records it. */
export interface WasmFlavour {
  version: string;
  /** tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') */
  simd: boolean;
  /** tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'): SharedArrayBuffer and shared WebAssembly memory */
  multithread: boolean;
  /**
   * The XNNPACK thread pool's size (getThreadsCount() after initialisation). tfjs 4.22 caps it at half the
   * logical cores (at most 8) whatever setThreadsCount asks for: one thread on a 2-core machine.
   */
  threads: number;
  /** navigator.hardwareConcurrency */
  logicalCores: number;
  binary: 'tfjs-backend-wasm-threaded-simd.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm.wasm';
  crossOriginIsolated: boolean;
  /** Gradient kernels the backend lacks, registered from its own kernels (bench/tfjs-wasm-kernels.ts). */
  composedKernels: string[];
}

let ready: Promise<WasmFlavour> | null = null;
const INIT_TIMEOUT_S = 120;

/** Initialises the backend once (and makes it the active one); later calls only switch to it. */
export async function useTfjsWasm(): Promise<WasmFlavour> {
  ready ??= (async () => {
    setWasmPaths({ 'tfjs-backend-wasm.wasm': plainUrl, 'tfjs-backend-wasm-simd.wasm': simdUrl, 'tfjs-backend-wasm-threaded-simd.wasm': threadedSimdUrl });
    const composedKernels = registerComposedKernels('wasm');
    // A thread pool whose workers fail to start leaves initialisation waiting forever: give up instead.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`tfjs: the wasm backend did not initialise in ${INIT_TIMEOUT_S} s`)), INIT_TIMEOUT_S * 1000)));
    const ok = await Promise.race([tf.setBackend('wasm'), timeout]).finally(() => clearTimeout(timer));
    if (!ok) throw new Error('tfjs: the wasm backend did not initialise');
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const multithread = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    return {
      version: version_wasm, simd, multithread, threads: getThreadsCount(), logicalCores: navigator.hardwareConcurrency,
      binary: simd && multithread ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm',
      crossOriginIsolated: globalThis.crossOriginIsolated === true, composedKernels,
    };
  })();
  const flavour = await ready;
  await tf.setBackend('wasm');
  return flavour;
}

/** "threaded SIMD, 2 threads", "SIMD, 1 thread": the flavour in words. */
export function flavourLabel(f: WasmFlavour): string {
  const kind = f.simd && f.multithread ? 'threaded SIMD' : f.simd ? 'SIMD' : 'plain';
  return `${kind}, ${f.threads} thread${f.threads === 1 ? '' : 's'}`;
}
