// Paces waits on the GPU queue where waiting spins a CPU core (Gpu.waitSpinsCpu: Dawn in Node polls its
// events in a busy loop while a wait is pending): sleep through ~85 % of the recent submit-to-done time,
// then wait. Used by the training loop and the whole-step bench, so both wait the same way.
import type { Gpu } from './gpu.ts';

export class StepPacer {
  /** Recent submit-to-done time of one step (ms); 0 = not measured yet. */
  private ms = 0;

  /**
   * Flushes, sleeps, waits for the queue. A step that was already done when the sleep ended (the estimate
   * is too high, e.g. after a slow first step) shrinks the estimate by 30 % instead of being averaged in,
   * so it comes down within a few steps; otherwise the estimate is an EMA (0.2 of the new time).
   */
  async settle(gpu: Gpu, signal?: AbortSignal): Promise<void> {
    const t0 = performance.now();
    const waited = await gpu.settle(0.85 * this.ms, signal);
    const ms = performance.now() - t0;
    if (!this.ms) this.ms = ms;
    else this.ms = waited < 1 ? 0.7 * this.ms : 0.8 * this.ms + 0.2 * ms;
  }

  /** Forget the estimate (another batch size or model). */
  reset(): void {
    this.ms = 0;
  }
}
