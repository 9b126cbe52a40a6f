// Public surface of the engine: runtime and every op (forward and backward). Platform entry points are
// separate: src/platform/node.ts (Dawn) and src/platform/browser.ts (navigator.gpu).
export { Gpu, Kernel, type BufferArg, type RunArgs } from './runtime/gpu.ts';
export { Tensor } from './runtime/tensor.ts';
export * from './ops/conv2d.ts';
export * from './ops/groupnorm.ts';
export * from './ops/elementwise.ts';
export * from './ops/linear.ts';
export * from './ops/attention.ts';
export * from './ops/channels.ts';
export * from './ops/embedding.ts';
export * from './ops/reduce.ts';
export * from './ops/loss.ts';
export * from './ops/adamw.ts';
export * from './ops/random.ts';
export * from './ops/diffusion.ts';
export * from './ops/pool.ts';
export * from './ops/xent.ts';
export * from './ops/data.ts';
export { fitGaussian, frechetDistance, symmetricEigen } from './eval/frechet.ts';
export { pyramidSwd, laplacianPyramid, SWD_DEFAULTS } from './eval/swd.ts';
export { evaluateQuality, formatReport, type QualityReport } from './eval/evaluate.ts';
