// Vite plugin for the TensorFlow.js WASM peer (bench/tfjs-wasm.ts), at build, dev and preview time:
//  - serves the benchmark page cross-origin isolated (Cross-Origin-Opener-Policy: same-origin,
//    Cross-Origin-Embedder-Policy: require-corp), which gives it SharedArrayBuffer and so the threaded WASM
//    build. Only bench.html gets the headers: the app page (index.html) is served as before. Everything
//    bench.html loads is same-origin, so require-corp blocks nothing it needs; its workers (the WASM thread
//    pool, from blob: URLs) inherit the policy.
//  - keeps the threaded build's thread workers working after minification. tfjs starts each worker from the
//    source text of its module factory (`factory.toString()` in a Blob), so the factory must not refer to
//    anything outside itself. Its one such reference, `if (typeof _scriptDir !== "undefined" && _scriptDir)`
//    (a variable of the enclosing closure, guarded for the worker where it does not exist), is minified to
//    `e !== void 0 && e` — a ReferenceError in every worker, and the backend's initialisation then waits
//    forever. The statement is dropped: in a page whose scripts are ES modules `_scriptDir` is undefined
//    (no document.currentScript), and in a worker it does not exist, so it never did anything here.
import type { Connect, Plugin } from 'vite';

const ISOLATED = new Set(['/bench.html', '/bench']);
const FESM = '@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.fesm.js';
const SCRIPT_DIR = 'if(typeof _scriptDir !== "undefined" && _scriptDir){scriptDirectory=_scriptDir;}';

const isolate: Connect.NextHandleFunction = (req, res, next) => {
  if (ISOLATED.has((req.url ?? '').split('?')[0])) {
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  }
  next();
};

export function wasmPeerPlugin(): Plugin {
  return {
    name: 'bench-wasm-peer',
    configureServer: (server) => void server.middlewares.use(isolate),
    configurePreviewServer: (server) => void server.middlewares.use(isolate),
    transform(code, id) {
      if (!id.replace(/\\/g, '/').endsWith(FESM)) return null;
      if (!code.includes(SCRIPT_DIR)) {
        this.warn(`${FESM}: the threaded factory's _scriptDir test was not found; threaded WASM may fail after minification`);
        return null;
      }
      return { code: code.replace(SCRIPT_DIR, ''), map: null };
    },
  };
}
