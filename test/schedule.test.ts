// Noise schedules, timestep spacings and step coefficients against the reference values
// (../shared/docs/reference-values.md, computed in float64 from the diffusers formulas).
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULE, NoiseSchedule, ddimStep, ddpmStep, inferenceTimesteps } from '../src/diffusion/schedule.ts';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
const close = (got: number, want: number, tol = 1e-6) => expect(rel(got, want), `${got} vs ${want}`).toBeLessThan(tol);

describe('schedules', () => {
  const lin = new NoiseSchedule();
  const cos = new NoiseSchedule({ numTrainTimesteps: 1000, betaSchedule: 'squaredcos_cap_v2', betaStart: 1e-4, betaEnd: 0.02 });

  it('linear ᾱ', () => {
    const want: [number, number][] = [[0, 9.999e-1], [1, 9.997800921e-1], [99, 8.970181457e-1], [249, 5.240853738e-1], [499, 7.858724288e-2], [749, 3.350550439e-3], [999, 4.035829765e-5]];
    for (const [t, v] of want) close(lin.alphasCumprod[t], v);
  });

  it('cosine β and ᾱ', () => {
    const betas: [number, number][] = [[0, 4.128422482e-5], [1, 4.614175274e-5], [499, 3.14588623e-3], [998, 7.499993929e-1], [999, 0.999]];
    for (const [t, v] of betas) close(cos.betas[t], v);
    close(cos.alphasCumprod[0], 9.999587158e-1);
    close(cos.alphasCumprod[499], 4.938435904e-1);
    close(cos.alphasCumprod[999], 2.428766907e-9);
  });

  it('DDPM step coefficients', () => {
    const rows: [number, number, number, number, number][] = [
      [999, 1.283514872e-4, 9.899486783e-1, 1.999998353e-2, 2e-2],
      [500, 3.058057076e-3, 9.941043508e-1, 1.005133578e-2, 1.005995996e-2],
      [1, 5.452914995e-1, 4.54708499e-1, 5.453187661e-5, 1.199199199e-4],
    ];
    for (const [t, cx0, cxt, varSmall, beta] of rows) {
      const c = ddpmStep(lin, t, t - 1, 'fixed_small');
      close(c.coefX0, cx0);
      close(c.coefXt, cxt);
      close(c.sigma ** 2, varSmall, 1e-5);
      close(ddpmStep(lin, t, t - 1, 'fixed_large').sigma ** 2, beta, 1e-5);
    }
    const last = ddpmStep(lin, 0, -1);
    expect(last.coefX0).toBeCloseTo(1, 12);
    expect(last.coefXt).toBeCloseTo(0, 12);
    expect(last.sigma).toBe(0);
  });

  it('DDIM step coefficients', () => {
    const d0 = ddimStep(lin, 980, 960, 0);
    close(d0.coefX0, 9.349494848e-3);
    close(d0.coefEps, 9.999562925e-1);
    expect(d0.sigma).toBe(0);
    const d1 = ddimStep(lin, 980, 960, 1);
    close(d1.coefEps, 8.217708629e-1);
    close(d1.sigma, 5.697413763e-1);
  });

  it('timestep spacings', () => {
    expect(inferenceTimesteps(1000, 10, 'leading')).toEqual([900, 800, 700, 600, 500, 400, 300, 200, 100, 0]);
    expect(inferenceTimesteps(1000, 3, 'leading')).toEqual([666, 333, 0]);
    expect(inferenceTimesteps(1000, 10, 'trailing')).toEqual([999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
    expect(inferenceTimesteps(1000, 3, 'trailing')).toEqual([999, 666, 332]);
    expect(inferenceTimesteps(1000, 10, 'linspace')).toEqual([999, 888, 777, 666, 555, 444, 333, 222, 111, 0]);
    expect(inferenceTimesteps(1000, 3, 'linspace')).toEqual([999, 500, 0]);
  });

  it('min-SNR-γ weights: min(SNR, γ)/SNR for ε, min(SNR, γ)/(SNR + 1) for v', () => {
    const eps = new NoiseSchedule(DEFAULT_SCHEDULE);
    const v = new NoiseSchedule({ ...DEFAULT_SCHEDULE, predictionType: 'v_prediction' });
    const we = eps.minSnrWeights(5);
    const wv = v.minSnrWeights(5);
    for (const t of [0, 100, 300, 999]) {
      const a = eps.alphasCumprod[t];
      const snr = a / (1 - a);
      expect(we[t]).toBeCloseTo(Math.min(snr, 5) / snr, 6);
      expect(wv[t]).toBeCloseTo(Math.min(snr, 5) / (snr + 1), 6);
    }
    // Low noise (SNR ≫ γ) is down-weighted; high noise (SNR < γ) keeps weight 1 on ε.
    expect(we[0]).toBeLessThan(1e-3);
    expect(we[999]).toBe(1);
    expect(() => eps.minSnrWeights(0)).toThrow(/min-SNR γ must be positive, got 0/);
  });

  it('rejects bad configurations', () => {
    expect(() => new NoiseSchedule({ ...DEFAULT_SCHEDULE, predictionType: 'sample' as never })).toThrow(/unknown prediction_type "sample"/);
    expect(() => new NoiseSchedule({ numTrainTimesteps: 1000, betaSchedule: 'quadratic' as never, betaStart: 1e-4, betaEnd: 0.02 })).toThrow(/unknown beta_schedule "quadratic"/);
    expect(() => inferenceTimesteps(1000, 0, 'leading')).toThrow(/number of steps must be in \[1, 1000\], got 0/);
  });
});
