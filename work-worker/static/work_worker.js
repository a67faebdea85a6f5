// work_worker.js: the proof-of-work Web Worker (work-worker/, docs/protocol.md §5.5). From an
// extension page:
//
//   const worker = new Worker(chrome.runtime.getURL('work_worker.js'), { type: 'module' });
//   worker.onmessage = ({ data }) => ...;  // {progress: tried}, then {found: {bits, nonce}} or {error}
//   worker.postMessage({ prefix, bits });   // prefix: Uint8Array, bits: 1 to 32, slice?: nonces per step
//
// Cancel with worker.terminate(). One search per worker: a message while one runs is answered
// with {error} and the search goes on. The wasm reads each message and searches a slice; this
// script runs the loop, yielding to the event loop between slices.
import init, { WorkWorker } from './pkg/phemossa_work_worker.js';

// Compiled as the worker starts, while the page is still preparing its message.
const ready = init().then(() => new WorkWorker());
let worker = null;

// A MessageChannel's message is a task of its own, so other messages are handled between two
// slices; unlike setTimeout, it is not held back 4 ms once nested.
const turn = new MessageChannel();
turn.port1.onmessage = step;

function step() {
  const reply = worker.step();
  if (reply === undefined) return;
  self.postMessage(reply);
  if (reply.progress !== undefined) turn.port2.postMessage(null);
}

self.onmessage = async ({ data }) => {
  try {
    worker = await ready;
  } catch (err) {
    self.postMessage({ error: `the worker's wasm did not start: ${err}` });
    return;
  }
  const refused = worker.receive(data);
  if (refused !== undefined) self.postMessage(refused);
  else step();
};
