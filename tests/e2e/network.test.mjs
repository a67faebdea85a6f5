// network.test.mjs: network settings, saved through the background, refuse an invalid bootstrap address or peer cap
// (the error tied to its box) and keep valid ones across a reload; the options page's Peers section and the popup's network
// line say how the network stands, before and after a relay is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMEOUT, describedBy, expectAlert, listItems, region, texts, until, withSession } from './helpers.mjs';

// A relay on loopback that nothing listens on: dialing it fails without leaving the machine.
const VALID = '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN';
const INVALID = 'not-a-multiaddr';

/** The popup's one-line network status. */
const networkLine = (popup) => popup.getByRole('status', { name: 'Network', exact: true });

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

    await page.reload();
    await until('the refused settings not to be saved',
      () => page.getByRole('textbox', { name: 'Bootstrap addresses' }).inputValue({ timeout: 1000 }), (v) => v === '');

    const maxPeers = page.getByRole('spinbutton', { name: 'Most peers' });
    assert.equal(await maxPeers.inputValue(), '32', 'the peer cap starts at its default');
    await bootstrap.fill(VALID);
    await maxPeers.fill('0');
    await save.click();
    const capRefused = await expectAlert(page, /Most peers/);
    assert.equal(await maxPeers.getAttribute('aria-invalid'), 'true', 'the peer cap is marked invalid');
    assert.ok((await describedBy(maxPeers)).includes(capRefused), 'the error describes the peer cap');

    await maxPeers.fill('12');
    await save.click();
    await until('a status saying "Saved"', () => page.getByRole('status').allInnerTexts(), (l) => l.some((t) => /saved/i.test(t)));

    await page.reload();
    await until('the saved bootstrap address after a reload',
      () => page.getByRole('textbox', { name: 'Bootstrap addresses' }).inputValue({ timeout: 1000 }), (v) => v.trim() === VALID);
    assert.equal(await page.getByRole('spinbutton', { name: 'Most peers' }).inputValue(), '12', 'the peer cap is kept');
  }));

test('the Peers section and the popup say how the network stands', { timeout: TEST_TIMEOUT }, () =>
  withSession(async (session) => {
    const options = await session.options();
    const peers = region(options, 'Peers');
    await peers.getByRole('heading', { name: 'Peers', level: 2 }).waitFor({ state: 'visible' });
    await peers.getByText(/^No relay set: add a bootstrap address above to meet peers\./).waitFor({ state: 'visible' });
    await peers.getByText(/^No peers yet/).waitFor({ state: 'visible' });
    assert.equal(await peers.getByRole('table', { name: 'Peers' }).count(), 0, 'no peer table without peers');

    const popup = await session.popup();
    await until('the popup\'s network line to say no relay is set',
      () => networkLine(popup).innerText({ timeout: 1000 }), (t) => /Offline — no relay set/.test(t));

    // Saving a relay applies it at once: both pages hear of it by push, without a reload.
    await options.getByRole('textbox', { name: 'Bootstrap addresses' }).fill(VALID);
    await options.getByRole('button', { name: 'Save network settings' }).click();
    await until('the Peers section to list the new relay', () => listItems(peers, 'Relays'),
      (items) => items.some((t) => t.includes(VALID)));
    assert.ok(!(await texts(peers.getByText(/^No relay set/))).length, 'the "No relay set" state is gone');
    await until('the popup\'s network line to leave "no relay set"',
      () => networkLine(popup).innerText({ timeout: 1000 }), (t) => t.trim() !== '' && !/no relay set|Checking/.test(t));

    // A reload asks for the status again.
    await options.reload();
    await until('the relay listed after a reload', () => listItems(region(options, 'Peers'), 'Relays'),
      (items) => items.some((t) => t.includes(VALID)));
  }));
