#!/usr/bin/env python3
# Reference trajectories for the σ-space samplers, written from diffusers' formulas (DPMSolverMultistepScheduler
# with algorithm_type dpmsolver++ / sde-dpmsolver++, solver_order 2, midpoint, lower_order_final, final_sigmas_type
# "zero"; EulerDiscreteScheduler and EulerAncestralDiscreteScheduler with their defaults) in numpy, in the state
# space diffusers keeps (x_t for DPM-Solver++, x_σ = x_t·√(σ²+1) for Euler), independently of
# src/diffusion/solvers.ts, which rewrites them as coefficients of the fused step on x_t.
# A fake model out(x, t) = 0.5·cos(t/300)·x + 0.1·sin(t/100 + k) stands in for the UNet; the SDE and ancestral
# noise is a fixed table. Writes test/data/sampler-reference.json:  python3 scripts/reference-samplers.py
import json, math, os
import numpy as np

T = 1000
K = 6  # elements per trajectory

def alphas_cumprod(schedule):
    if schedule == 'linear':
        betas = np.linspace(1e-4, 0.02, T, dtype=np.float32).astype(np.float64)
    else:
        f = lambda s: math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
        betas = np.array([min(1 - f((i + 1) / T) / f(i / T), 0.999) for i in range(T)])
    return np.cumprod(1.0 - betas)

def fake_model(x, t):
    k = np.arange(len(x))
    return 0.5 * math.cos(t / 300.0) * x + 0.1 * np.sin(t / 100.0 + k)

def noise_table(steps):
    rng = np.random.default_rng(1234)
    return rng.standard_normal((steps + 1, K))

# ---- DPMSolverMultistepScheduler
def dpm_timesteps(N, spacing):
    if spacing == 'linspace':
        return np.linspace(0, T - 1, N + 1).round()[::-1][:-1].copy().astype(np.int64)
    if spacing == 'leading':
        r = T // (N + 1)
        return (np.arange(0, N + 1) * r).round()[::-1][:-1].copy().astype(np.int64)
    r = T / N
    return np.arange(T, 0, -r).round().copy().astype(np.int64) - 1

def dpm_run(ac, N, spacing, pred, sde, f32):
    ts = dpm_timesteps(N, spacing)
    sig = np.array(((1 - ac) / ac) ** 0.5)
    sig = np.interp(ts, np.arange(0, len(sig)), sig)
    sigmas = np.concatenate([sig, [0.0]])
    if f32: sigmas = sigmas.astype(np.float32).astype(np.float64)  # as diffusers stores them
    def a_s(s):
        a = 1 / (s ** 2 + 1) ** 0.5
        return a, s * a
    noise = noise_table(N)
    x = noise[N].copy()  # init_noise_sigma = 1
    outs = []
    lower = 0
    for i, t in enumerate(ts):
        out = fake_model(x, float(t))
        a_t, s_t = a_s(sigmas[i])
        x0 = (a_t * x - s_t * out) if pred == 'v_prediction' else (x - s_t * out) / a_t
        outs.append(x0)
        final = i == len(ts) - 1
        at, st = a_s(sigmas[i + 1])
        as0, ss0 = a_s(sigmas[i])
        lam_t = np.log(at) - np.log(st) if st > 0 else np.inf
        lam_s0 = np.log(as0) - np.log(ss0)
        h = lam_t - lam_s0
        if lower < 1 or final:
            if sde:
                x = (st / ss0 * np.exp(-h)) * x + (at * (1 - np.exp(-2.0 * h))) * x0 + st * np.sqrt(1.0 - np.exp(-2.0 * h)) * noise[i]
            else:
                x = (st / ss0) * x - (at * (np.exp(-h) - 1.0)) * x0
        else:
            as1, ss1 = a_s(sigmas[i - 1])
            lam_s1 = np.log(as1) - np.log(ss1)
            h0 = lam_s0 - lam_s1
            r0 = h0 / h
            D0, D1 = outs[-1], (1.0 / r0) * (outs[-1] - outs[-2])
            if sde:
                x = (st / ss0 * np.exp(-h)) * x + (at * (1 - np.exp(-2.0 * h))) * D0 + 0.5 * (at * (1 - np.exp(-2.0 * h))) * D1 + st * np.sqrt(1.0 - np.exp(-2.0 * h)) * noise[i]
            else:
                x = (st / ss0) * x - (at * (np.exp(-h) - 1.0)) * D0 - 0.5 * (at * (np.exp(-h) - 1.0)) * D1
        lower = min(lower + 1, 2)
    return [float(v) for v in ts], [float(v) for v in sigmas], x

# ---- EulerDiscreteScheduler / EulerAncestralDiscreteScheduler
def euler_timesteps(N, spacing):
    if spacing == 'linspace':
        return np.linspace(0, T - 1, N, dtype=np.float32)[::-1].copy()
    if spacing == 'leading':
        r = T // N
        return (np.arange(0, N) * r).round()[::-1].copy().astype(np.float32)
    r = T / N
    return (np.arange(T, 0, -r)).round().copy().astype(np.float32) - 1

def euler_run(ac, N, spacing, pred, ancestral, f32):
    ts = euler_timesteps(N, spacing)
    sig = np.array(((1 - ac) / ac) ** 0.5)
    sig = np.interp(ts.astype(np.float64), np.arange(0, len(sig)), sig)
    sigmas = np.concatenate([sig, [0.0]])
    if f32: sigmas = sigmas.astype(np.float32).astype(np.float64)  # as diffusers stores them
    init_sigma = sigmas.max() if spacing in ('linspace', 'trailing') else (sigmas.max() ** 2 + 1) ** 0.5
    noise = noise_table(N)
    x = noise[N] * init_sigma
    for i, t in enumerate(ts):
        s = sigmas[i]
        out = fake_model(x / (s ** 2 + 1) ** 0.5, float(t))
        x0 = out * (-s / (s ** 2 + 1) ** 0.5) + x / (s ** 2 + 1) if pred == 'v_prediction' else x - s * out
        if ancestral:
            s_to = sigmas[i + 1]
            up = (s_to ** 2 * (s ** 2 - s_to ** 2) / s ** 2) ** 0.5
            down = (s_to ** 2 - up ** 2) ** 0.5
            x = x + (x - x0) / s * (down - s) + noise[i] * up
        else:
            x = x + (x - x0) / s * (sigmas[i + 1] - s)
    return [float(v) for v in ts], [float(v) for v in sigmas], x

cases = []
for schedule in ('linear', 'cosine'):
    ac = alphas_cumprod(schedule)
    for pred in ('epsilon', 'v_prediction'):
        for name in ('dpmsolver++', 'sde-dpmsolver++', 'euler', 'euler-ancestral'):
            for spacing in ('linspace', 'leading', 'trailing'):
                for N in (1, 5, 10, 20):
                    run = (lambda f32: dpm_run(ac, N, spacing, pred, name.startswith('sde'), f32)) if name.endswith('dpmsolver++') \
                        else (lambda f32: euler_run(ac, N, spacing, pred, name == 'euler-ancestral', f32))
                    ts, sigmas, x = run(False)
                    x32 = run(True)[2]
                    cases.append({'schedule': schedule, 'prediction': pred, 'sampler': name, 'spacing': spacing, 'steps': N,
                                  'timesteps': ts, 'sigmas': sigmas, 'final': [float(v) for v in x], 'finalSigmasF32': [float(v) for v in x32]})
noise = noise_table(20)
out = {'about': 'scripts/reference-samplers.py: diffusers formulas in numpy float64; finalSigmasF32 with the sigmas cast to float32 as diffusers stores them',
       'K': K, 'noise': {str(n): noise_table(n).tolist() for n in (1, 5, 10, 20)}, 'cases': cases}
path = os.path.join(os.path.dirname(__file__), '..', 'test', 'data', 'sampler-reference.json')
with open(path, 'w') as f:
    json.dump(out, f, indent=0)
print(f'wrote {len(cases)} cases to {path}')
