// identity.test.mjs: a new profile gets an identity, shown in the popup and the same on the options page,
// named by its visible label.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, readPublicKey, withSession } from './helpers.mjs';

/** Roles ARIA forbids naming: a name put on them may never reach a screen reader. */
const NAMING_PROHIBITED = ['caption', 'code', 'deletion', 'emphasis', 'generic', 'insertion', 'none', 'paragraph',
  'presentation', 'strong', 'subscript', 'superscript'];
const IMPLICIT_ROLES = { code: 'code', span: 'generic', div: 'generic', p: 'paragraph', output: 'status', input: 'textbox' };

/** Fails unless the key is named by the visible "Your public key" text, on an element whose role may be named. */
async function assertNamedByItsLabel(page) {
  const field = await page.getByLabel('Your public key', { exact: true }).first().evaluate((el) => {
    const labels = (el.getAttribute('aria-labelledby') ?? '').split(/\s+/).filter(Boolean)
      .map((id) => document.getElementById(id));
    return {
      role: el.getAttribute('role'),
      tag: el.localName,
      label: labels.map((label) => label?.textContent ?? '').join(' '),
      labelVisible: labels.length > 0 && labels.every((label) => label?.checkVisibility() ?? false),
    };
  });
  const role = field.role ?? IMPLICIT_ROLES[field.tag] ?? field.tag;
  assert.ok(!NAMING_PROHIBITED.includes(role), `the key is a <${field.tag}> (role ${role}), which ARIA forbids naming`);
  assert.equal(field.label, 'Your public key', 'the key must be named by the visible "Your public key" text');
  assert.ok(field.labelVisible, 'the label naming the key must be visible');
}

test('identity is created, shown in the popup and the same on the options page', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const popup = await session.popup();
    const key = await readPublicKey(popup);
    assert.equal(Buffer.from(key, 'base64').length, 32, `public key ${key} should decode to 32 bytes`);
    await popup.getByRole('button', { name: 'Copy' }).waitFor({ state: 'visible' });
    await assertNamedByItsLabel(popup);

    const options = await session.options();
    assert.equal(await readPublicKey(options), key, 'the options page shows another key than the popup');
    await assertNamedByItsLabel(options);

    await popup.reload(); // opening the popup again must not create a new identity
    assert.equal(await readPublicKey(popup), key, 'the key changed after reloading the popup');
  }));
