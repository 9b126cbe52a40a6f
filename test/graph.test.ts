// The tape's gradient routing: several consumers of one activation (write, then accumulate), residual adds
// whose input shares the output's gradient buffer (chains of adds included), checked against gradients
// worked out by hand, with the copy kernels it saves counted; self-adds, views and outputs whose gradient comes
// from outside keep their own buffers.
import { describe, expect, it } from 'vitest';
import { Graph } from '../src/model/graph.ts';
import { add, scale } from '../src/ops/elementwise.ts';
import type { Tensor } from '../src/runtime/tensor.ts';
import { expectClose, randArray, useGpu } from './helpers.ts';

const getGpu = useGpu();

/** Records out = k·inp as a layer (forward and backward by the scale kernel). */
function scaleLayer(g: Graph, inp: Tensor, k: number, out: Tensor): void {
  g.record({ inputs: [inp], output: out, forward: () => scale(g.gpu, inp, k, out), backward: ([s]) => void scale(g.gpu, g.grad(out), k, s.out) });
}

describe('graph gradient routing', () => {
  it('residual adds share the output gradient; multi-consumer inputs still sum every path', async () => {
    const gpu = await getGpu();
    const g = new Graph(gpu, true);
    const shape = [3, 5];
    const x = g.act(shape);
    // a = 2x; s1 = a + x; s2 = s1 + 3a (a chain of adds; a and x each have two consumers).
    const a = g.act(shape);
    scaleLayer(g, x, 2, a);
    const s1 = g.act(shape);
    g.record({ inputs: [a, x], output: s1, identity: [0, 1], forward: () => add(gpu, a, x, s1) });
    const a3 = g.act(shape);
    scaleLayer(g, a, 3, a3);
    const s2 = g.act(shape);
    g.record({ inputs: [s1, a3], output: s2, identity: [0, 1], forward: () => add(gpu, s1, a3, s2) });
    // y = s2 (a consumer of s2, so its gradient is rewritten by every backward; the loss gradient goes to y).
    const y = g.act(shape);
    scaleLayer(g, s2, 1, y);
    g.finalize();

    // s1's only consumer is the last add: it takes s2's buffer (a3 would qualify too, but one input per add
    // shares). a's last consumer is the 3a layer, so in the first add a does not qualify and x (whose last
    // consumer that add is) takes s1's buffer — which by then is s2's: the chain resolves to one buffer.
    expect(g.grad(s1)).toBe(g.grad(s2));
    expect(g.grad(a3)).not.toBe(g.grad(s2));
    expect(g.grad(x)).toBe(g.grad(s2));
    expect(g.grad(a)).not.toBe(g.grad(s2));

    const xv = randArray(15, 1);
    const dy = randArray(15, 2);
    gpu.write(x, xv);
    g.forward();
    expectClose('s2 = 2x + x + 6x', await s2.read(), xv.map((v) => 9 * v), 1e-6, 1e-6);
    gpu.write(g.grad(y), dy);
    const before = gpu.dispatchCount;
    g.backward();
    // ds2/dx = 9 through every path: x directly (1), a = 2x via s1 (2) and via 3a (6).
    expectClose('dx', await g.grad(x).read(), dy.map((v) => 9 * v), 1e-6, 1e-6);
    expectClose('da', await g.grad(a).read(), dy.map((v) => 4 * v), 1e-6, 1e-6);
    // Kernels: the last add copies into a3's gradient (1); 3a backward writes a's (1); the first add adds into
    // a's (1); 2x backward into scratch and its accumulation into x's (2). Unshared, s1 and x would take a
    // copy each: 7.
    expect(gpu.dispatchCount - before).toBe(6); // and y's own backward into s2's gradient
    // A second backward gives the same gradients (nothing carried over from the first).
    g.backward();
    expectClose('dx, replayed', await g.grad(x).read(), dy.map((v) => 9 * v), 1e-6, 1e-6);
  });

  it('an add of a tensor to itself gives twice the gradient and shares nothing', async () => {
    const gpu = await getGpu();
    const g = new Graph(gpu, true);
    const shape = [7];
    const x = g.act(shape);
    const a = g.act(shape);
    scaleLayer(g, x, 1, a);
    const s = g.act(shape);
    g.record({ inputs: [a, a], output: s, identity: [0, 1], forward: () => add(gpu, a, a, s) });
    const y = g.act(shape);
    scaleLayer(g, s, 1, y);
    g.finalize();
    expect(g.grad(a)).not.toBe(g.grad(s));
    const dy = randArray(7, 3);
    gpu.write(x, randArray(7, 4));
    g.forward();
    gpu.write(g.grad(y), dy);
    g.backward();
    expectClose('d(a + a)/da', await g.grad(a).read(), dy.map((v) => 2 * v), 1e-6, 1e-6);
    expectClose('dx', await g.grad(x).read(), dy.map((v) => 2 * v), 1e-6, 1e-6);
  });

  it('views and outputs without consumers keep their own gradient buffers', async () => {
    const gpu = await getGpu();
    const g = new Graph(gpu, true);
    const x = g.act([3, 5]);
    const w = g.act([15]);
    // v views x's storage (and gradient) as [15]: sharing v's gradient with the sum's would move x's too.
    const v = g.view(x, [15]);
    const s = g.act([15]);
    g.record({ inputs: [v, w], output: s, identity: [0, 1], forward: () => add(gpu, v, w, s) });
    const y = g.act([15]);
    scaleLayer(g, s, 2, y);
    // t has no consumer in the graph: its gradient is written from outside, so its input must not take it.
    const u = g.act([15]);
    const t = g.act([15]);
    g.record({ inputs: [u, w], output: t, identity: [0, 1], forward: () => add(gpu, u, w, t) });
    g.finalize();
    expect(g.grad(v)).not.toBe(g.grad(s));
    expect(g.grad(u)).not.toBe(g.grad(t));
    const dy = randArray(15, 5);
    const dt = randArray(15, 6);
    gpu.write(x, randArray(15, 7));
    gpu.write(w, randArray(15, 8));
    gpu.write(u, randArray(15, 9));
    g.forward();
    gpu.write(g.grad(y), dy);
    gpu.write(g.grad(t), dt);
    g.backward();
    expectClose('dx through the view', await g.grad(x).read(), dy.map((v) => 2 * v), 1e-6, 1e-6);
    expectClose('du', await g.grad(u).read(), dt, 1e-6, 1e-6);
    expectClose('dw (both sums)', await g.grad(w).read(), dy.map((v, i) => 2 * v + dt[i]), 1e-6, 1e-6);
    expectClose('dt unchanged', await g.grad(t).read(), dt, 1e-6, 1e-6);
  });
});
