// identity.test.mjs: a new profile gets an identity, shown in the popup and the same on the options page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, readPublicKey, withSession } from './helpers.mjs';

test('identity is created, shown in the popup and the same on the options page', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const popup = await session.popup();
    const key = await readPublicKey(popup);
    assert.equal(Buffer.from(key, 'base64').length, 32, `public key ${key} should decode to 32 bytes`);
    await popup.getByRole('button', { name: 'Copy' }).waitFor({ state: 'visible' });

    const options = await session.options();
    assert.equal(await readPublicKey(options), key, 'the options page shows another key than the popup');

    await popup.reload(); // opening the popup again must not create a new identity
    assert.equal(await readPublicKey(popup), key, 'the key changed after reloading the popup');
  }));
