// storage.test.mjs: the options page's "Storage" region counts what this browser really stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, listItems, until, withSession } from './helpers.mjs';

/** Reads the counts the region shows, e.g. "Events 2 … Authors 1 … 1,234 bytes". */
function parseStats(text) {
  const number = (re) => {
    const match = text.match(re);
    return match ? Number(match[1].replaceAll(',', '')) : NaN;
  };
  return {
    events: number(/Events\s+([\d,]+)/i),
    posts: number(/Posts\s+([\d,]+)/i),
    authors: number(/Authors\s+([\d,]+)/i),
    bytes: number(/([\d,]+)\s+bytes/i),
  };
}

async function post(popup, text) {
  await popup.getByRole('textbox', { name: 'New post' }).fill(text);
  await popup.getByRole('button', { name: 'Post', exact: true }).click();
  await until(`"${text}" in the feed`, () => listItems(popup, 'Feed'), (l) => l.some((t) => t.includes(text)));
}

test('storage statistics count the stored events, authors and bytes', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const popup = await session.popup();
    await post(popup, `Counted in storage ${Date.now()}`);

    const options = await session.options();
    const storage = options.getByRole('region', { name: 'Storage' });
    const first = await until('the "Storage" region to count one post by one author',
      async () => parseStats(await storage.innerText({ timeout: 1000 })),
      (s) => s.events === 1 && s.posts === 1 && s.authors === 1);
    assert.ok(first.bytes > 100, `one signed event is more than 100 bytes of JSON, shown ${first.bytes}`);

    await post(popup, `A second one ${Date.now()}`);
    await storage.getByRole('button', { name: 'Refresh' }).click();
    const second = await until('the counts to rise after a second post and Refresh',
      async () => parseStats(await storage.innerText({ timeout: 1000 })),
      (s) => s.events === 2 && s.posts === 2);
    assert.equal(second.authors, 1, 'still one author');
    assert.ok(second.bytes > first.bytes, `bytes grow: ${first.bytes} then ${second.bytes}`);

    // The extension's storage is persistent (unlimitedStorage, and persist() at start), and its
    // use is shown against the browser's quota.
    const text = await storage.innerText();
    assert.match(text, /Kept when disk is low\s+Yes/, `persistence shown: ${text}`);
    assert.match(text, /Space used\s+[\d.,]+ (bytes|KB|MB|GB) of [\d.,]+ (KB|MB|GB|TB)/, `quota shown: ${text}`);
  }));
