// verify_worker.js: one signature-check Web Worker of the background's pool (verify-worker/,
// background/src/verify_pool.rs). The offscreen document starts one per core:
//
//   const worker = new Worker(chrome.runtime.getURL('verify_worker.js'), { type: 'module' });
//   worker.postMessage({ id, batch, now }, [batch.buffer]);  // batch: check_batch::pack_batch
//   worker.onmessage = ({ data }) => ...;  // {id, pairs: Uint8Array, memory} or {id, error}
//
// Each message is answered in order, once; `memory` is this worker's wasm memory in bytes.
import init, { check } from './pkg/phemossa_verify_worker.js';

// Compiled as the worker starts, while the document prepares its first batch.
const ready = init();

self.onmessage = async ({ data }) => {
  const id = data && data.id;
  let wasm;
  try {
    wasm = await ready;
  } catch (err) {
    self.postMessage({ id, error: `the worker's wasm did not start: ${err}` });
    return;
  }
  try {
    if (!(data.batch instanceof Uint8Array)) throw new Error('batch is not a Uint8Array');
    const pairs = check(data.batch, Number(data.now));
    self.postMessage({ id, pairs, memory: wasm.memory.buffer.byteLength }, [pairs.buffer]);
  } catch (err) {
    self.postMessage({ id, error: String(err && err.message ? err.message : err) });
  }
};
