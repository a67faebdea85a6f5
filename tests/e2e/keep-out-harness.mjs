// keep-out-harness.mjs: what keep-out.test.mjs and keep-out-pace.test.mjs share: how many events
// the daily limit per author admits, and how long B's popup takes to show its feed.

const DAY_MS = 24 * 60 * 60 * 1000;
const LIMIT = 1000; // core::keep_out::DEFAULT_PER_AUTHOR_PER_DAY

/** How many of `lines` the daily limit admits: per UTC day of the events' own timestamps, at
 * most LIMIT. */
export function admittedOf(lines) {
  const perDay = new Map();
  for (const line of lines) {
    const day = Math.floor(JSON.parse(line).timestamp / DAY_MS);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  return [...perDay.values()].reduce((sum, n) => sum + Math.min(n, LIMIT), 0);
}

/** Ms from opening the popup to its live view's first feed item's text, median of `n` opens: the
 * copy of how the popup last looked (popup/static/snapshot.js) shows before that, but the live
 * view is what the background's load delays. */
export async function timeToFeed(session, n = 5) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const page = await session.popup();
    times.push(await page.evaluate(() => new Promise((resolve) => {
      const check = () => {
        if (!document.querySelector('#app [data-feed-ready] [aria-label="Feed"] li .post-text')) return false;
        resolve(performance.now());
        return true;
      };
      if (check()) return;
      const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
      observer.observe(document, { subtree: true, childList: true, characterData: true });
    })));
    await page.close();
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)];
}
