// persistence.test.mjs: identity and posts survive closing and relaunching the browser on the same profile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, listItems, readPublicKey, until, withSession } from './helpers.mjs';

test('posts and identity survive a browser restart', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    let page = await session.popup();
    const key = await readPublicKey(page);
    const text = `Still here after a restart ${Date.now()}`;
    await page.getByRole('textbox', { name: 'New post' }).fill(text);
    await page.getByRole('button', { name: 'Post', exact: true }).click();
    await until(`the feed to show "${text}"`, () => listItems(page, 'Feed'), (l) => l.some((t) => t.includes(text)));

    await session.relaunch();

    page = await session.popup();
    assert.equal(await readPublicKey(page), key, 'the identity changed across a restart');
    await until(`the feed to show "${text}" after the restart`,
      () => listItems(page, 'Feed'), (l) => l.some((t) => t.includes(text)));
  }));
