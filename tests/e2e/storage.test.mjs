// storage.test.mjs: the options page's "Storage" region reports events, authors and bytes.
import { test } from 'node:test';
import { TEST_TIMEOUT, listItems, until, withSession } from './helpers.mjs';

test('storage statistics show events, authors and bytes', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const popup = await session.popup();
    const text = `Counted in storage ${Date.now()}`;
    await popup.getByRole('textbox', { name: 'New post' }).fill(text);
    await popup.getByRole('button', { name: 'Post', exact: true }).click();
    await until('the post in the feed', () => listItems(popup, 'Feed'), (l) => l.some((t) => t.includes(text)));

    const storage = (await session.options()).getByRole('region', { name: 'Storage' });
    await until('the "Storage" region to mention events, authors and bytes',
      () => storage.innerText({ timeout: 1000 }), (t) => /event/i.test(t) && /author/i.test(t) && /byte/i.test(t));
  }));
