// Types for the WASM backend's flat ES bundle (bench/tfjs-wasm.ts imports it instead of the package's broken
// ES module entry): the same exports as the package.
declare module '@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.fesm.js' {
  export * from '@tensorflow/tfjs-backend-wasm';
}
