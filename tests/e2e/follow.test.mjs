// follow.test.mjs: following checks the key (invalid, yourself), lists followed keys, and Unfollow removes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, expectAlert, listItems, randomPublicKey, readPublicKey, until, withSession } from './helpers.mjs';

test('follow refuses bad keys, follows a valid key and unfollows it', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const page = await session.popup();
    const ownKey = await readPublicKey(page);
    const box = page.getByRole('textbox', { name: 'Public key to follow' });
    const follow = page.getByRole('button', { name: 'Follow', exact: true });

    await box.fill('not-a-key');
    await follow.click();
    await expectAlert(page, /not a valid public key/i);

    await box.fill(ownKey);
    await follow.click();
    await expectAlert(page, /yourself/i);
    assert.deepEqual(await listItems(page, 'Following'), [], 'refused keys must not be followed');

    const other = randomPublicKey();
    await box.fill(other);
    await follow.click();
    const items = await until(`"Following" to list ${other}`,
      () => listItems(page, 'Following'), (l) => l.some((t) => t.includes(other.slice(0, 8))));
    assert.equal(items.length, 1, `"Following" should list exactly one key, got ${JSON.stringify(items)}`);

    const item = page.getByRole('list', { name: 'Following', exact: true }).getByRole('listitem').first();
    await item.getByRole('button', { name: /^Unfollow/ }).click();
    await until('"Following" to be empty after Unfollow', () => listItems(page, 'Following'), (l) => l.length === 0);
  }));
