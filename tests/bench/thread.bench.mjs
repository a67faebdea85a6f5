// thread.bench.mjs: issue 14's two conversation benchmarks in one headless Chromium.
// 1. Opening a thread: `get_thread` on the root of a 10-reply and of a 1,000-reply thread
//    (core/examples/gen_thread.rs: a tree by 8 authors, a third of it answering the root), as
//    the popup asks it (its first 50 replies) and whole (250, the most); the medians and their
//    ratio (the target is at most 2).
// 2. A notification reaching the badge: a post mentioning the user is imported (the event
//    reaching the node) and the time until the `unread` push, and until the toolbar badge says
//    so, is taken in the page.
// Prints the figures; asserts nothing (docs/benchmarks.md says what the targets are).
//
//   ./build.sh && cargo build --release -p phemossa-core --example gen_thread
//   node tests/bench/thread.bench.mjs [samples=30]
import { portClient } from '../e2e/p2p-harness.mjs';
import { withSession } from '../e2e/helpers.mjs';
import { generateThread, median } from './bench-harness.mjs';

const SAMPLES = Number(process.argv[2] || 30);

const rootId = (lines) => JSON.parse(lines[0]).id;

await withSession(async (session) => {
  const { page, request } = await portClient(session);
  const me = (await request({ method: 'get_identity' })).public_key;
  await request({ method: 'set_keep_out_settings', params: { muted_words: [], per_author_per_day: 100000 } });
  await request({ method: 'subscribe', params: { topics: ['feed'] } });
  const small = await generateThread(10, 8, 21);
  const large = await generateThread(1000, 8, 22);
  for (const lines of [small, large]) {
    for (let i = 0; i < lines.length; i += 500) {
      await request({ method: 'import_events', params: { events: lines.slice(i, i + 500), first_line: i + 1 } });
    }
  }
  // As the popup opens a thread (popup/src/thread_view.rs, FIRST_REPLIES), and whole (250).
  const open = (id, limit) => page.evaluate(async ({ id, samples, limit }) => {
    const times = [];
    let shown = 0;
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      const result = await window.phemossaRequest({ method: 'get_thread', params: { id, limit } });
      times.push(performance.now() - t0);
      if (!result.Ok) throw new Error(JSON.stringify(result));
      shown = result.Ok.data.replies.length;
    }
    return { times, shown };
  }, { id, samples: SAMPLES, limit });
  // Alternating, so both sizes see the same machine.
  for (const limit of [50, 250]) {
    const smallRuns = [];
    const largeRuns = [];
    let shown = {};
    for (let round = 0; round < 3; round++) {
      const s = await open(rootId(small), limit);
      const l = await open(rootId(large), limit);
      smallRuns.push(...s.times);
      largeRuns.push(...l.times);
      shown = { small: s.shown, large: l.shown };
    }
    const [ms10, ms1000] = [median(smallRuns), median(largeRuns)];
    console.log(`get_thread limit ${limit}, ${smallRuns.length} samples each: 10 replies ${ms10.toFixed(1)} ms (${shown.small} shown), `
      + `1,000 replies ${ms1000.toFixed(1)} ms (${shown.large} shown); ratio ${(ms1000 / ms10).toFixed(2)}`);
  }
  // Notifications: one post mentioning the user at a time.
  const latencies = [];
  for (let n = 0; n < 10; n++) {
    const [, mention] = await generateThread(1, 1, 40 + n, me);
    const result = await page.evaluate(async ({ line }) => {
      const before = window.phemossaPushes.length;
      const badge = async () => chrome.action.getBadgeText({});
      const previous = await badge();
      const t0 = Date.now();
      const imported = window.phemossaRequest({ method: 'import_events', params: { events: [line], first_line: 1 } });
      let pushAt = null;
      let badgeAt = null;
      while ((pushAt === null || badgeAt === null) && Date.now() - t0 < 5000) {
        const push = window.phemossaPushes.slice(before).find((p) => p.push.type === 'unread');
        if (push && pushAt === null) pushAt = push.at;
        if (badgeAt === null && (await badge()) !== previous) badgeAt = Date.now();
        await new Promise((r) => setTimeout(r, 2));
      }
      await imported;
      return { push: pushAt - t0, badge: badgeAt - t0 };
    }, { line: mention });
    latencies.push(result);
  }
  const pushes = latencies.map((l) => l.push);
  const badges = latencies.map((l) => l.badge);
  console.log(`mention imported → unread push: median ${median(pushes)} ms, max ${Math.max(...pushes)} ms; `
    + `→ toolbar badge: median ${median(badges)} ms, max ${Math.max(...badges)} ms (${latencies.length} samples)`);
});
