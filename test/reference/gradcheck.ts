// Central finite differences of a scalar loss L(x) = Σ f(x)·w, used to check the CPU backward twins.
export function finiteDiff(f: (x: Float64Array) => ArrayLike<number>, x: Float64Array, weights: ArrayLike<number>, indices: number[], h = 1e-5): number[] {
  const loss = () => {
    const y = f(x);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * weights[i];
    return s;
  };
  return indices.map((i) => {
    const old = x[i];
    x[i] = old + h;
    const up = loss();
    x[i] = old - h;
    const down = loss();
    x[i] = old;
    return (up - down) / (2 * h);
  });
}
