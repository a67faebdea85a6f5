// work-worker.test.mjs: the proof-of-work Web Worker (work-worker/, docs/protocol.md §5.5) as the
// built extension ships it: started from an extension page as a module worker, it finds the
// first nonce whose id has the zero bits asked for (checked apart, with crypto.subtle), reports
// progress per slice, refuses malformed messages with {error}, and answers while it searches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, withSession } from './helpers.mjs';

/** Runs in the page: the worker's replies to `messages` and what an independent check says. */
async function inPage() {
  const url = chrome.runtime.getURL('work_worker.js');

  /** Starts a worker, posts `messages`, and collects replies until `done(replies)` holds. */
  const run = (messages, done) => new Promise((resolve, reject) => {
    const worker = new Worker(url, { type: 'module' });
    const replies = [];
    const timer = setTimeout(() => {
      worker.terminate();
      reject(new Error(`no end after ${JSON.stringify(messages).slice(0, 200)}: ${JSON.stringify(replies)}`));
    }, 15_000);
    worker.onmessage = ({ data }) => {
      replies.push(data);
      if (done(replies)) {
        clearTimeout(timer);
        worker.terminate();
        resolve(replies);
      }
    };
    worker.onerror = (event) => {
      clearTimeout(timer);
      worker.terminate();
      reject(new Error(`the worker failed: ${event.message}`));
    };
    for (const message of messages) worker.postMessage(message);
  });
  const ended = (replies) => replies.some((r) => r.found || r.error);

  // A reply post's canonical prefix (§2): domain, version, type, author, timestamp, text, no
  // mentions, reply_to.
  const text = new TextEncoder().encode('Proof of work, checked in the browser. '.repeat(5));
  const bytes = [
    ...new TextEncoder().encode('phemossa.event'), 1, 1,
    ...Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff),
    0, 0, 0x01, 0x9b, 0x76, 0xd9, 0xbd, 0xa0, // the timestamp, 1767225540000 ms
    0, 0, 0, text.length, ...text, 0, 0, // text length (195 bytes), text, no mentions
    1, ...Array.from({ length: 32 }, (_, i) => (i * 91 + 5) & 0xff), // reply_to
  ];
  const prefix = new Uint8Array(bytes);

  /** Leading zero bits of SHA-256(prefix || bits || nonce as u64 big-endian). */
  const zeroBits = async (bits, nonce) => {
    const whole = new Uint8Array(prefix.length + 9);
    whole.set(prefix);
    whole[prefix.length] = bits;
    new DataView(whole.buffer).setBigUint64(prefix.length + 1, BigInt(nonce));
    const id = new Uint8Array(await crypto.subtle.digest('SHA-256', whole));
    let zeros = 0;
    for (const byte of id) {
      zeros += Math.clz32(byte) - 24;
      if (byte !== 0) break;
    }
    return zeros;
  };

  const sliced = await run([{ prefix, bits: 8, slice: 16 }], ended);
  const found = sliced.at(-1).found;
  const progress = sliced.slice(0, -1).map((r) => r.progress);
  const idZeros = found ? await zeroBits(8, found.nonce) : null;
  let earlierWithWork = null;
  for (let nonce = 0; found && nonce < found.nonce; nonce++) {
    if (await zeroBits(8, nonce) >= 8) { earlierWithWork = nonce; break; }
  }
  const whole = await run([{ prefix, bits: 8 }], ended);

  const malformed = {
    'not an object': null,
    'a string': 'prefix',
    'no prefix': { bits: 8 },
    'a prefix of plain numbers': { prefix: [1, 2, 3], bits: 8 },
    'no bits': { prefix },
    '0 bits': { prefix, bits: 0 },
    '33 bits': { prefix, bits: 33 },
    '8.5 bits': { prefix, bits: 8.5 },
    'bits as text': { prefix, bits: '8' },
    'a slice of 0': { prefix, bits: 8, slice: 0 },
    'a prefix longer than an event': { prefix: new Uint8Array(8193), bits: 8 },
  };
  const refusals = {};
  for (const [what, message] of Object.entries(malformed)) {
    refusals[what] = (await run([message], ended))[0];
  }

  // A search of 32 bits runs for minutes: a second message meanwhile is refused, and progress
  // goes on after the refusal.
  const busy = await run([{ prefix, bits: 32, slice: 4096 }, { prefix, bits: 8 }],
    (replies) => replies.findIndex((r) => r.error) >= 0
      && replies.slice(replies.findIndex((r) => r.error)).some((r) => r.progress));

  return { found, progress, idZeros, earlierWithWork, whole, refusals, busy };
}

test('the work worker finds the first nonce with the zero bits asked, and refuses malformed messages',
  { timeout: TEST_TIMEOUT }, () => withSession(async (session) => {
    const page = await session.popup();
    const r = await page.evaluate(inPage);

    assert.ok(r.found, `8 bits found: ${JSON.stringify(r)}`);
    assert.equal(r.found.bits, 8);
    assert.ok(Number.isSafeInteger(r.found.nonce) && r.found.nonce >= 0, `nonce ${r.found.nonce}`);
    assert.ok(r.idZeros >= 8, `the id has ${r.idZeros} leading zero bits, not 8`);
    assert.equal(r.earlierWithWork, null, 'no smaller nonce does the work');
    // One {progress} per slice of 16 that came up empty, counting every nonce tried.
    assert.deepEqual(r.progress, Array.from({ length: Math.floor(r.found.nonce / 16) }, (_, i) => 16 * (i + 1)));
    assert.ok(r.progress.length > 0, `this prefix's nonce (${r.found.nonce}) is past the first slice`);
    assert.deepEqual(r.whole, [{ found: r.found }], 'one slice of the default size finds the same nonce');

    for (const [what, reply] of Object.entries(r.refusals)) {
      assert.equal(typeof reply.error, 'string', `${what}: refused with {error}, got ${JSON.stringify(reply)}`);
    }
    assert.match(r.refusals['33 bits'].error, /1 to 32/);

    const refused = r.busy.findIndex((reply) => reply.error);
    assert.match(r.busy[refused].error, /already running/);
    assert.ok(r.busy.slice(refused).some((reply) => reply.progress > 0), 'the search goes on');
    assert.ok(!r.busy.some((reply) => reply.found), 'the second message did not start a search');
  }));
