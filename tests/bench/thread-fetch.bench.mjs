// thread-fetch.bench.mjs: how long opening a thread takes to bring its replies from a peer
// (issue 14, docs/protocol.md §8.10). Two browsers through a relay in the network namespace: A
// holds a thread (core/examples/gen_thread.rs: a tree by 8 authors, each reply answering the
// root or an earlier reply, a third the root); C holds only its root, follows none of its
// repliers, and opens it (`get_thread`). Measured from the opening to C storing every reply,
// for a 10-reply and a 1,000-reply thread, with how many levels deep each is. Prints figures;
// asserts nothing (docs/benchmarks.md keeps them).
//
//   ./build.sh && cargo build --release -p phemossa-core --example gen_thread
//   tests/netns/run.sh node tests/bench/thread-fetch.bench.mjs [rounds=3]
import { startPair } from '../e2e/p2p-harness.mjs';
import { benchContext, generateThread, median, waitFor } from './bench-harness.mjs';

const ROUNDS = Number(process.argv[2] || 3);

/** How many levels below the root the thread's replies go. */
function depth(lines) {
  const events = lines.map((line) => JSON.parse(line));
  const level = new Map([[events[0].id, 0]]);
  for (const event of events.slice(1)) level.set(event.id, level.get(event.content.reply_to) + 1);
  return Math.max(...level.values());
}

async function importAll(client, lines) {
  for (let i = 0; i < lines.length; i += 500) {
    await client.request({ method: 'import_events', params: { events: lines.slice(i, i + 500), first_line: i + 1 } });
  }
}

const results = { 10: [], 1000: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const size of [10, 1000]) {
    const t = benchContext();
    try {
      const { ca, cb, aId } = await startPair(t, { direct: 'off' });
      const lines = await generateThread(size, 8, 100 + round * 2 + (size > 10 ? 1 : 0));
      for (const client of [ca, cb]) {
        await client.request({ method: 'set_keep_out_settings', params: { muted_words: [], per_author_per_day: 100000 } });
      }
      await importAll(ca, lines);
      await importAll(cb, lines.slice(0, 1));
      // C (here B's browser) must be connected to A.
      await waitFor(() => cb.request({ method: 'get_network' }),
        (s) => s.peers.some((p) => p.peer_id === aId && p.connected), 60_000, 20);
      const before = (await cb.request({ method: 'get_stats' })).events;
      const root = JSON.parse(lines[0]).id;
      const t0 = Date.now();
      await cb.request({ method: 'get_thread', params: { id: root, limit: 50 } });
      await waitFor(() => cb.request({ method: 'get_stats' }), (s) => s.events >= before + size, 120_000, 20);
      const ms = Date.now() - t0;
      results[size].push(ms);
      console.log(`round ${round + 1}: ${size} replies, ${depth(lines)} levels deep: all stored ${ms} ms after opening`);
    } finally {
      await t.cleanup();
    }
  }
}
for (const size of [10, 1000]) {
  console.log(`${size}-reply thread: median ${median(results[size])} ms over ${results[size].length} openings`);
}
console.log(`ratio 1,000 to 10: ${(median(results[1000]) / median(results[10])).toFixed(1)}`);
