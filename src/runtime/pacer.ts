// Paces training steps where waiting spins a CPU core (Gpu.waitSpinsCpu: Dawn in Node polls its events in a
// busy loop while any wait is pending, and on lavapipe that core is one the kernels need). Two steps stay
// in flight: after step k is submitted the pacer sleeps until step k − 1 should be done, then waits for a
// fence written at the end of k − 1 (a 4-byte copy into a mappable buffer: mapAsync resolves when the work
// that used that buffer is done, not everything queued). So the GPU starts step k the moment k − 1 ends,
// while the CPU encodes step k + 1, and no wait is pending while the GPU works. Used by the training loop
// and the whole-step bench, so both run steps the same way (lavapipe, tiny batch 64, 2026-12-03: ~330 ms
// per step in steady state against ~415 with one step in flight and a paced wait).
import type { Gpu } from './gpu.ts';

const MAP_READ = 1; // GPUMapMode.READ
const FENCE_USAGE = 0x1 | 0x8; // MAP_READ | COPY_DST
const SOURCE_USAGE = 0x4 | 0x8; // COPY_SRC | COPY_DST

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

/** Factors on the estimate when a wait found its step already done: the first time, and again running. */
const SHRINK_ONCE = 0.95;
const SHRINK = 0.85;
/**
 * A wait shorter than max(OVERSLEPT_MS, OVERSLEPT_SHARE · estimate) found its step done. A resolved mapAsync
 * still takes ~1 ms to come back, and 2–5 ms beside a 1.2 s step (tiny, batch 256, lavapipe, 2026-12-03):
 * with a fixed 3 ms bound such waits counted as real, each interval (sleep + wait) fed the estimate, and
 * it crept up (+0.2 × the latency per step) to ~2.1 s per 1.2 s step with the GPU idle in between. A
 * latency above this bound still creeps the same way until the bound covers it (an estimate of ~50× the
 * latency): a step under 150 ms whose fence came back after more than 3 ms would settle above its time.
 * Measured latencies at batch 64 are 1–2.6 ms. Waking at 95 % of the estimate on every step, which rules
 * the creep out, cost 1.05–1.1× in step time on lavapipe (a spinning core slows its threads, and the
 * slowed steps inflate the estimate), as did a 90 % probe every 8 steps with a low first estimate.
 */
const OVERSLEPT_MS = 3;
const OVERSLEPT_SHARE = 0.02;

/** The pacer's estimate after one wait: `waited` ms from wake-up to the fence, `interval` ms since the last one. */
export function nextEstimate(ms: number, oversleptBefore: boolean, waited: number, interval: number): { ms: number; overslept: boolean } {
  if (!ms) return { ms: interval, overslept: false };
  const overslept = waited < Math.max(OVERSLEPT_MS, OVERSLEPT_SHARE * ms);
  // Overslept: the step ended before the wake-up, by an unknown amount; shrink, faster when it happens
  // twice running (a high first estimate comes down within a few steps). Waited: the interval is the
  // step's time, give or take the spin the wait cost.
  if (overslept) return { ms: ms * (oversleptBefore ? SHRINK : SHRINK_ONCE), overslept };
  return { ms: 0.8 * ms + 0.2 * interval, overslept };
}

export class StepPacer {
  /** Estimated GPU time of one step (ms); 0 = not measured yet. */
  private ms = 0;
  /** When the GPU last became free for the next queued step (the older step's fence resolved). */
  private lastDone = 0;
  /** Fences of the submitted steps not yet waited for, oldest first. */
  private inFlight: GPUBuffer[] = [];
  private free: GPUBuffer[] = [];
  private source: GPUBuffer | null = null;
  /** Whether the last wait found its step already done. */
  private overslept = false;

  /**
   * Call right after encoding a step: appends its fence, submits it, and with two steps in flight waits
   * (sleeping first, through the estimated rest of the older step) for the older one.
   */
  async step(gpu: Gpu, signal?: AbortSignal, sleepShare = 1): Promise<void> {
    const fence = this.free.pop() ?? gpu.device.createBuffer({ size: 4, usage: FENCE_USAGE, label: 'step fence' });
    this.source ??= gpu.device.createBuffer({ size: 4, usage: SOURCE_USAGE, label: 'step fence source' });
    gpu.copyRange(this.source, 0, fence, 0, 4);
    gpu.flush();
    this.inFlight.push(fence);
    if (this.inFlight.length === 1) this.lastDone = performance.now(); // the GPU starts it now
    else await this.waitOldest(signal, sleepShare);
  }

  /** Waits for every step in flight: before reading results, sampling, saving, or timing anything else. */
  async drain(signal?: AbortSignal): Promise<void> {
    while (this.inFlight.length) await this.waitOldest(signal);
  }

  /** When the GPU last finished a step (performance.now() time; for the bench's steady-state rate). */
  get doneAt(): number {
    return this.lastDone;
  }

  /** Forget the estimate (another batch size or model); steps in flight must have been drained. */
  reset(): void {
    this.ms = 0;
    this.overslept = false;
    this.lastDone = performance.now();
  }

  /** Frees the fence buffers (drain first). */
  destroy(): void {
    for (const b of [...this.free, ...this.inFlight]) b.destroy();
    this.source?.destroy();
    this.free = [];
    this.inFlight = [];
    this.source = null;
  }

  /** sleepShare < 1 sleeps through that share of the estimate only, then waits: the done time is then
   *  seen when it happens (a timing endpoint), at the price of a shorter spin. */
  private async waitOldest(signal?: AbortSignal, sleepShare = 1): Promise<void> {
    const fence = this.inFlight.shift()!;
    const wake = this.lastDone + sleepShare * this.ms - performance.now();
    if (this.ms && wake > 1) await sleep(wake, signal);
    const w0 = performance.now();
    try {
      await fence.mapAsync(MAP_READ);
      fence.unmap();
    } finally {
      this.free.push(fence);
    }
    const now = performance.now();
    const interval = now - this.lastDone;
    ({ ms: this.ms, overslept: this.overslept } = nextEstimate(this.ms, this.overslept, now - w0, interval));
    // The next queued step (if any) started when this one ended; with nothing queued, the next step()
    // resets this when it submits.
    this.lastDone = now;
  }
}
