// network.test.mjs: network settings refuse an invalid bootstrap address (the error tied to its box) and keep a
// valid one across a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, describedBy, expectAlert, until, withSession } from './helpers.mjs';

const VALID = '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN';
const INVALID = 'not-a-multiaddr';

test('network settings validate bootstrap addresses and persist', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const page = await session.options();
    const bootstrap = page.getByRole('textbox', { name: 'Bootstrap addresses' });
    const save = page.getByRole('button', { name: 'Save network settings' });
    await page.getByRole('textbox', { name: 'STUN servers' }).waitFor({ state: 'visible' });
    await page.getByRole('textbox', { name: 'TURN servers' }).waitFor({ state: 'visible' });

    await bootstrap.fill(`${VALID}\n${INVALID}`);
    await save.click();
    const refused = await expectAlert(page, new RegExp(`${INVALID}|line 2`, 'i')); // the alert names the bad line
    assert.equal(await bootstrap.getAttribute('aria-invalid'), 'true', 'the box at fault is marked invalid');
    assert.ok((await describedBy(bootstrap)).includes(refused), 'the error describes the box at fault');
    const stun = page.getByRole('textbox', { name: 'STUN servers' });
    assert.ok(!(await describedBy(stun)).includes(refused), 'the error describes only the box at fault');

    await bootstrap.fill(VALID);
    await save.click();
    await until('a status saying "Saved"', () => page.getByRole('status').allInnerTexts(), (l) => l.some((t) => /saved/i.test(t)));

    await page.reload();
    await until('the saved bootstrap address after a reload',
      () => page.getByRole('textbox', { name: 'Bootstrap addresses' }).inputValue({ timeout: 1000 }), (v) => v.trim() === VALID);
  }));
