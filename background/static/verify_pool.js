// verify_pool.js: the offscreen document's signature-check workers (issue 16), one per core as
// navigator.hardwareConcurrency reports (at most 8), each running verify_worker.js
// (verify-worker/). The background's wasm imports this module (background/src/verify_pool.rs,
// through wasm-bindgen's snippets) and decides what to send; this file only keeps the workers,
// sends each share to the least loaded one and hands back its answer.
//
// checkShare(batch, now) resolves to the pairs that verified (a Uint8Array, see
// phemossa_core::event::check_batch) or rejects: the pool is off (a worker failed to load or
// crashed, so every later share is refused at once and checked on the document's thread), the
// worker answered with an error, or it took longer than WAIT_MAX_MS.

// A share of 250 events takes about 20 ms here: only a stuck worker waits this long.
const WAIT_MAX_MS = 10_000;
const MAX_WORKERS = 8;

let lanes = null; // [{ worker, inFlight, memory }]
let off = null; // why the pool is off, once it is
let nextId = 0;
const waiting = new Map(); // id -> { lane, size, resolve, reject, timer }

function stop(reason) {
  if (off) return;
  off = reason;
  console.warn(`signature checks stay on the document's thread: ${reason}`);
  for (const lane of lanes || []) {
    lane.worker.terminate();
    lane.memory = 0;
  }
  for (const [id, entry] of waiting) {
    clearTimeout(entry.timer);
    entry.reject(new Error(reason));
    waiting.delete(id);
  }
}

function answered(lane, data) {
  const entry = data && waiting.get(data.id);
  if (!entry) return;
  waiting.delete(data.id);
  clearTimeout(entry.timer);
  lane.inFlight -= entry.size;
  if (Number.isFinite(data.memory)) lane.memory = data.memory;
  if (data.pairs instanceof Uint8Array) entry.resolve(data.pairs);
  else entry.reject(new Error(String(data.error || 'the worker answered something unexpected')));
}

/** One worker per core, at most MAX_WORKERS. */
function workerCount() {
  const cores = Math.floor(Number(navigator.hardwareConcurrency)) || 1;
  return Math.min(Math.max(cores, 1), MAX_WORKERS);
}

function start() {
  lanes = [];
  for (let i = 0; i < workerCount(); i++) {
    let worker;
    try {
      worker = new Worker('/verify_worker.js', { type: 'module' });
    } catch (err) {
      stop(`a signature-check worker did not start: ${err}`);
      return;
    }
    const lane = { worker, inFlight: 0, memory: 0 };
    worker.onmessage = ({ data }) => answered(lane, data);
    worker.onerror = () => stop('a signature-check worker failed to load or crashed');
    lanes.push(lane);
  }
}

/** How many workers the pool runs (or would run); 0 once it is off. */
export function poolSize() {
  return off ? 0 : workerCount();
}

/** Bytes of the workers' wasm memory, as each last said. */
export function poolMemory() {
  return (lanes || []).reduce((sum, lane) => sum + lane.memory, 0);
}

/** Sends one share (a packed batch of `size` events) to the least loaded worker. */
export function checkShare(batch, size, now) {
  if (!lanes && !off) start();
  if (off) return Promise.reject(new Error(off));
  const lane = lanes.reduce((best, l) => (l.inFlight < best.inFlight ? l : best));
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (waiting.delete(id)) {
        lane.inFlight -= size;
        reject(new Error(`a signature-check worker did not answer within ${WAIT_MAX_MS} ms`));
      }
    }, WAIT_MAX_MS);
    waiting.set(id, { lane, size, resolve, reject, timer });
    lane.inFlight += size;
    lane.worker.postMessage({ id, batch, now }, [batch.buffer]);
  });
}
