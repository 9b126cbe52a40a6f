// Runs op-table specs (test/ops/table.ts) under vitest: for each variant × 'test' case, the GPU call on
// poisoned outputs (so an unwritten element shows as NaN) against the CPU twin, every output within
// atol + rtol·|ref| with the worst element reported; and the twin's gradients against finite differences.
import { expect, it } from 'vitest';
import type { Gpu } from '../../src/runtime/gpu.ts';
import type { Tensor } from '../../src/runtime/tensor.ts';
import { finiteDiff } from '../reference/gradcheck.ts';
import { expectClose, poisoned } from '../helpers.ts';
import { hostData, uploadInputs, type AnyOpSpec } from './spec.ts';

/** One vitest case per variant and 'test'-tagged shape. */
export function checkOp(spec: AnyOpSpec, getGpu: () => Promise<Gpu>): void {
  for (const variant of spec.variants)
    for (const c of spec.cases.filter((k) => k.tags.includes('test'))) {
      const dims = Object.entries(spec.dims(c.s)).map(([k, v]) => `${k}${v}`).join(' ');
      it(`${spec.name} ${spec.direction} ${variant}: ${c.label} (${dims}) matches the CPU twin`, async () => {
        const gpu = await getGpu();
        await gpu.policy.using(spec.policy?.(variant) ?? {}, async () => {
          const host = spec.inputs(c.s);
          const inputs = uploadInputs(gpu, host);
          const outputs: Record<string, Tensor> = Object.fromEntries(Object.entries(spec.outputs(c.s)).map(([k, shape]) => [k, poisoned(gpu, shape)]));
          const missing = spec.requires?.(gpu, variant, c.s);
          if (missing) {
            // No kernel on this adapter: the op must say so, not compute something else.
            expect(() => spec.setup(gpu, c.s, inputs, outputs, variant).run()).toThrow(missing);
            return;
          }
          const { run, scratch = [] } = spec.setup(gpu, c.s, inputs, outputs, variant);
          run();
          const ref = spec.ref(c.s, hostData(host));
          for (const [name, [atol, rtol]] of Object.entries(spec.tol)) {
            expectClose(`${spec.name} ${spec.direction} ${name}`, await outputs[name].read(), ref[name], atol, rtol);
          }
          for (const t of [...Object.values(inputs), ...Object.values(outputs), ...scratch]) t.release();
        });
      });
    }
}

/** The spec's twin gradients against central finite differences of its twin forward (float64). */
export function checkTwinGradients(spec: AnyOpSpec): void {
  const fd = spec.fd;
  if (!fd) return;
  it(`${spec.name} ${spec.direction}: CPU twin gradients agree with finite differences`, () => {
    const x: Record<string, Float64Array> = Object.fromEntries(Object.entries(spec.inputs(fd.s)).map(([k, v]) => [k, Float64Array.from(v.data)]));
    const ref = spec.ref(fd.s, x);
    for (const g of fd.grads) {
      const num = finiteDiff((v) => fd.forward(fd.s, { ...x, [g.input]: v }), x[g.input], x[fd.upstream], [...g.idx]);
      expectClose(`fd ${g.output}`, num, g.idx.map((i) => ref[g.output][i]), 1e-6, 1e-5);
    }
  });
}
