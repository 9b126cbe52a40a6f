// The package's "main" is a CommonJS file mislabelled as ESM, so we import its ES module build by path.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
