// Sample-quality report for MNIST-like digits (platform neutral; Node and the browser page both use it):
// classifier-feature Fréchet distance and Laplacian-pyramid SWD against held-out real digits, each with
// its real-vs-real floor at the same N, plus digit accuracy (class-conditional samples) and the predicted
// class histogram with its entropy.
import type { Classifier } from '../model/classifier.ts';
import type { Digits } from '../data/mnist-node.ts';
import { bootstrapFdStdErr, fitGaussian, frechetDistance } from './frechet.ts';
import { pyramidSwdMany, type SwdOptions, type SwdResult } from './swd.ts';

export interface QualityReport {
  n: number;
  fd: number;
  /** Bootstrap standard error of fd over the samples (20 resamples): its spread from the sampling noise alone. */
  fdStdErr: number;
  /** FD between two disjoint real sets of the same N: the best a model can hope for at this N. */
  fdFloor: number;
  swd: SwdResult;
  swdFloor: SwdResult;
  /** Predicted class counts and their entropy in bits (log2(10) ≈ 3.32 for a uniform spread). */
  histogram: number[];
  entropyBits: number;
  /** Share of samples classified as the class they were drawn for (class-conditional samples only). */
  accuracy: { overall: number; perClass: (number | null)[] } | null;
}

export interface EvalInputs {
  /** Generated (or baseline) images [n, S·S] in [0, 1]. */
  samples: Float32Array;
  n: number;
  /** Class each sample was drawn for, when class-conditional. */
  requested?: ArrayLike<number> | null;
  /** Held-out real digits the samples are compared with (n of them). */
  reference: Digits;
  /** Other real digits (n of them, disjoint from reference) for the floor. */
  floor: Digits;
  swd?: Partial<SwdOptions>;
}

export async function evaluateQuality(clf: Classifier, inp: EvalInputs): Promise<QualityReport> {
  const { n, samples, reference, floor } = inp;
  const S = clf.config.imageSize;
  const px = S * S;
  if (samples.length !== n * px) throw new Error(`evaluate: expected ${n} samples of ${S}×${S}, got ${samples.length} values`);
  if (reference.count !== n || floor.count !== n) throw new Error(`evaluate: reference and floor sets must hold ${n} digits (got ${reference.count} and ${floor.count})`);
  if (n < 2) throw new Error('evaluate: need at least 2 samples');
  const clean = Float32Array.from(samples, (v) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0));
  const hidden = clf.config.hidden;
  const gen = await clf.run(clean, n);
  const ref = await clf.run(reference.images, n);
  const flo = await clf.run(floor.images, n);
  const gRef = fitGaussian(ref.features, n, hidden);
  const fd = frechetDistance(gRef, fitGaussian(gen.features, n, hidden));
  const fdStdErr = bootstrapFdStdErr(gRef, gen.features, n, hidden);
  const fdFloor = frechetDistance(gRef, fitGaussian(flo.features, n, hidden));
  const [swd, swdFloor] = pyramidSwdMany(reference.images, [clean, floor.images], n, S, inp.swd);

  const classes = clf.config.classes;
  const histogram = new Array<number>(classes).fill(0);
  for (const p of gen.predictions) histogram[p]++;
  let entropyBits = 0;
  for (const c of histogram) if (c > 0) entropyBits -= (c / n) * Math.log2(c / n);

  let accuracy: QualityReport['accuracy'] = null;
  if (inp.requested) {
    if (inp.requested.length !== n) throw new Error(`evaluate: ${inp.requested.length} requested classes for ${n} samples`);
    const hit = new Array<number>(classes).fill(0);
    const asked = new Array<number>(classes).fill(0);
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const r = inp.requested[i];
      asked[r]++;
      if (gen.predictions[i] === r) {
        hit[r]++;
        ok++;
      }
    }
    accuracy = { overall: ok / n, perClass: asked.map((a, k) => (a ? hit[k] / a : null)) };
  }
  return { n, fd, fdStdErr, fdFloor, swd, swdFloor, histogram, entropyBits, accuracy };
}

/** The report as an aligned plain-text table. */
export function formatReport(r: QualityReport): string {
  const f = (v: number) => v.toFixed(2);
  const lines = [
    `metric                        samples      real-vs-real floor   (N = ${r.n})`,
    `Fréchet distance (features)   ${f(r.fd).padStart(9)}    ${f(r.fdFloor).padStart(9)}    (± ${f(r.fdStdErr)}: bootstrap standard error over the samples)`,
    ...r.swd.levels.map((l, k) => `SWD ×1e3, level ${l.size}px`.padEnd(30) + `${f(l.swd).padStart(9)}    ${f(r.swdFloor.levels[k].swd).padStart(9)}`),
    `SWD ×1e3, average`.padEnd(30) + `${f(r.swd.mean).padStart(9)}    ${f(r.swdFloor.mean).padStart(9)}`,
    `class histogram (0–9)         ${r.histogram.join(' ')}   entropy ${r.entropyBits.toFixed(3)} bits (max 3.322)`,
  ];
  if (r.accuracy) {
    lines.push(`digit accuracy                ${(100 * r.accuracy.overall).toFixed(1)} %`);
    lines.push(`  per digit                   ${r.accuracy.perClass.map((a, k) => `${k}:${a === null ? '–' : (100 * a).toFixed(0)}`).join(' ')}`);
  }
  return lines.join('\n');
}
