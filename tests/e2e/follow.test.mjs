// follow.test.mjs: following checks the key (invalid, yourself; the error tied to the key box), lists followed
// keys, and Unfollow removes them, sending one request however often it is clicked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT, describedBy, expectAlert, listItems, randomPublicKey, readPublicKey, until, withSession,
} from './helpers.mjs';

/** Follows `key` from the popup's form; returns once "Following" lists it. */
async function follow(page, key) {
  await page.getByRole('textbox', { name: 'Public key to follow' }).fill(key);
  await page.getByRole('button', { name: 'Follow', exact: true }).click();
  return until(`"Following" to list ${key}`,
    () => listItems(page, 'Following'), (l) => l.some((t) => t.includes(key.slice(0, 8))));
}

test('follow refuses bad keys, follows a valid key and unfollows it', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const page = await session.popup();
    const ownKey = await readPublicKey(page);
    const box = page.getByRole('textbox', { name: 'Public key to follow' });
    const followButton = page.getByRole('button', { name: 'Follow', exact: true });

    await box.fill('not-a-key');
    await followButton.click();
    const refused = await expectAlert(page, /not a valid public key/i);
    assert.equal(await box.getAttribute('aria-invalid'), 'true', 'the refused key box is marked invalid');
    assert.ok((await describedBy(box)).includes(refused), 'the error describes the key box');

    await box.fill(ownKey);
    await followButton.click();
    await expectAlert(page, /yourself/i);
    assert.deepEqual(await listItems(page, 'Following'), [], 'refused keys must not be followed');

    const items = await follow(page, randomPublicKey());
    assert.equal(items.length, 1, `"Following" should list exactly one key, got ${JSON.stringify(items)}`);
    assert.notEqual(await box.getAttribute('aria-invalid'), 'true', 'the key box is valid again');

    const item = page.getByRole('list', { name: 'Following', exact: true }).getByRole('listitem').first();
    await item.getByRole('button', { name: /^Unfollow/ }).click();
    await until('"Following" to be empty after Unfollow', () => listItems(page, 'Following'), (l) => l.length === 0);
  }));

test('a double click on Unfollow sends one unfollow', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    // Records what the pages send the background.
    await session.context.addInitScript(() => {
      window.phemossaSent = [];
      const runtime = globalThis.chrome?.runtime;
      if (!runtime?.connect) return;
      const connect = runtime.connect.bind(runtime);
      runtime.connect = (...args) => {
        const port = connect(...args);
        const post = port.postMessage.bind(port);
        port.postMessage = (message) => {
          window.phemossaSent.push(message);
          post(message);
        };
        return port;
      };
    });
    const page = await session.popup();
    await readPublicKey(page);
    await follow(page, randomPublicKey());
    const sent = (method) => page.evaluate((m) => window.phemossaSent
      .filter((text) => JSON.parse(text).request.method === m).length, method);
    assert.equal(await sent('follow'), 1, 'the recorder sees what the popup sends');

    const item = page.getByRole('list', { name: 'Following', exact: true }).getByRole('listitem').first();
    await item.getByRole('button', { name: /^Unfollow/ }).dblclick();
    await until('"Following" to be empty after Unfollow', () => listItems(page, 'Following'), (l) => l.length === 0);
    assert.equal(await sent('unfollow'), 1, 'a double click must send one unfollow');
  }));
