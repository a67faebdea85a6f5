// popup.bench.mjs: how long the popup takes from opening to its first feed item, with and
// without avatars, in one headless Chromium and one run. The user posts N posts; the popup is
// opened OPENS times and timed from navigation start to the first feed item's text (and, with an
// avatar, to the avatar's picture replacing the key's); then the user saves a profile with an
// avatar and the opens are timed again. Prints a table; asserts nothing.
//
//   ./build.sh && node tests/bench/popup.bench.mjs [posts=30] [opens=10]
import { withSession } from '../e2e/helpers.mjs';
import { portClient } from '../e2e/p2p-harness.mjs';

const POSTS = Number(process.argv[2] || 30);
const OPENS = Number(process.argv[3] || 10);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** A 256×256 WebP drawn in `page`, as the options page would save one. */
const avatar = (page) => page.evaluate(async () => {
  const canvas = new OffscreenCanvas(256, 256);
  const g = canvas.getContext('2d');
  g.fillStyle = '#8a5'; g.fillRect(0, 0, 256, 256);
  g.fillStyle = '#fff'; g.beginPath(); g.arc(128, 110, 60, 0, 2 * Math.PI); g.fill();
  const blob = await canvas.convertToBlob({ type: 'image/webp', quality: 0.85 });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
});

/** Opens the popup `OPENS` times; per open, ms from navigation start to the first feed item's
 * text, and to the avatar's picture if `avatarShown`. */
async function opens(session, avatarShown) {
  const toFeed = [];
  const toAvatar = [];
  for (let i = 0; i < OPENS; i++) {
    const page = await session.popup();
    const times = await page.evaluate(async (withAvatar) => {
      const wait = (test) => new Promise((resolve) => {
        const check = () => { if (test()) { resolve(performance.now()); return true; } return false; };
        if (check()) return;
        const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
        observer.observe(document, { subtree: true, childList: true, attributes: true });
      });
      const feed = await wait(() => document.querySelector('[aria-label="Feed"] li .post-text'));
      const avatar = withAvatar
        ? await wait(() => document.querySelector('[aria-label="Feed"] li img.avatar')?.src.startsWith('data:image/webp'))
        : null;
      return { feed, avatar };
    }, avatarShown);
    toFeed.push(times.feed);
    if (times.avatar !== null) toAvatar.push(times.avatar);
    await page.close();
  }
  return { feed: median(toFeed), avatar: toAvatar.length ? median(toAvatar) : null, all: toFeed.map(Math.round) };
}

await withSession(async (session) => {
  const client = await portClient(session);
  for (let i = 0; i < POSTS; i++) {
    await client.request({ method: 'post', params: { text: `bench post ${i}` } });
  }
  // One open first, so every timed open finds the background started and the wasm cached.
  await (await session.popup()).close();
  const without = await opens(session, false);
  await client.request({
    method: 'set_profile',
    params: { name: 'Bench', about: '', avatar: { do: 'set', base64: await avatar(client.page) } },
  });
  const withAvatar = await opens(session, true);
  console.log(`| popup, ${POSTS} own posts stored (median of ${OPENS} opens) | first feed item | avatar shown |`);
  console.log('|---|---:|---:|');
  console.log(`| without an avatar | ${without.feed.toFixed(0)} ms | |`);
  console.log(`| with an avatar | ${withAvatar.feed.toFixed(0)} ms | ${withAvatar.avatar.toFixed(0)} ms |`);
  console.log(`\nratio, first feed item with ÷ without: ${(withAvatar.feed / without.feed).toFixed(2)}`);
  console.log(`each open without: ${without.all.join(', ')} ms; with: ${withAvatar.all.join(', ')} ms`);
});
