// backup.test.mjs: export an encrypted identity backup on one profile and restore it on a fresh one; a
// confirmation left open while another tab restored replaces nothing; the popup reminds a person
// to back up until they have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SLOW_TIMEOUT, TEST_TIMEOUT, expectAlert, readPublicKey, until, withSessions } from './helpers.mjs';

const PASSPHRASE = 'correct horse battery staple';

/** The confirmation shown after a backup decrypts: an alertdialog or a dialog. */
const confirmation = (page) => page.getByRole('alertdialog').or(page.getByRole('dialog')).first();

async function exportBackup(session, page) {
  await page.getByLabel('Backup passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByLabel('Repeat passphrase', { exact: true }).fill(PASSPHRASE);
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: SLOW_TIMEOUT }),
    page.getByRole('button', { name: 'Export backup' }).click(),
  ]);
  const name = download.suggestedFilename();
  assert.match(name, /^phemossa-identity-[\w-]+\.json$/, 'the backup file name');
  const file = path.join(session.profileDir, name); // deleted with the profile
  await download.saveAs(file);
  const body = await readFile(file, 'utf8');
  assert.doesNotThrow(() => JSON.parse(body), 'the backup file must be JSON');
  assert.ok(!body.includes(PASSPHRASE), 'the backup file must not contain the passphrase');
  return file;
}

async function restore(page, file, passphrase) {
  await page.getByLabel('Backup file', { exact: true }).setInputFiles(file);
  await page.getByLabel('Passphrase for backup file', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Restore backup' }).click();
}

async function confirmationFor(page, key) {
  await until('a confirmation dialog naming the backed-up key',
    () => confirmation(page).innerText({ timeout: 1000 }), (t) => t.includes(key.slice(0, 8)), SLOW_TIMEOUT);
  return confirmation(page);
}

test('the popup reminds to back up until a backup is exported, and can be put off', { timeout: 2 * TEST_TIMEOUT }, () =>
  withSessions(2, async (first, second) => {
    // A fresh identity: the reminder is there and leads to the options page.
    const popup = await first.popup();
    const reminder = popup.getByRole('region', { name: 'Back up your identity' });
    await reminder.waitFor();
    const [options] = await Promise.all([
      first.context.waitForEvent('page', { timeout: SLOW_TIMEOUT }),
      reminder.getByRole('button', { name: 'Back up now' }).click(),
    ]);
    await options.waitForLoadState();
    assert.match(options.url(), /options\.html/, '"Back up now" opens the options page');
    await exportBackup(first, options);
    // Once exported it is gone, also from a popup opened afterwards.
    const again = await first.popup();
    await readPublicKey(again);
    await again.getByRole('region', { name: 'Back up your identity' }).waitFor({ state: 'detached' });

    // "Remind me later" puts it off.
    const other = await second.popup();
    const otherReminder = other.getByRole('region', { name: 'Back up your identity' });
    await otherReminder.getByRole('button', { name: 'Remind me later' }).click();
    await otherReminder.waitFor({ state: 'detached' });
    const reopened = await second.popup();
    await readPublicKey(reopened);
    assert.equal(await reopened.getByRole('region', { name: 'Back up your identity' }).count(), 0,
      'put off for a week');
  }));

test('an exported backup restores the same identity on a fresh profile', { timeout: 2 * TEST_TIMEOUT }, () =>
  withSessions(2, async (first, second) => {
    const options1 = await first.options();
    const key1 = await readPublicKey(options1);
    const file = await exportBackup(first, options1);

    const options2 = await second.options();
    const key2 = await readPublicKey(options2);
    assert.notEqual(key2, key1, 'a fresh profile must get its own identity');

    await restore(options2, file, 'not the passphrase');
    await expectAlert(options2, /wrong passphrase/i, SLOW_TIMEOUT);
    assert.equal(await readPublicKey(options2), key2, 'a wrong passphrase must leave the identity unchanged');

    await restore(options2, file, PASSPHRASE);
    await (await confirmationFor(options2, key1)).getByRole('button', { name: 'Cancel' }).click();
    await confirmation(options2).waitFor({ state: 'hidden' });
    assert.equal(await readPublicKey(options2), key2, 'Cancel must leave the identity unchanged');

    // This tab's question names key2 as the one replaced; meanwhile another tab restores key1.
    await restore(options2, file, PASSPHRASE);
    const stale = await confirmationFor(options2, key1);
    const options3 = await second.options();
    await restore(options3, file, PASSPHRASE);
    await (await confirmationFor(options3, key1)).getByRole('button', { name: 'Replace identity' }).click();
    await until('the other tab to show the restored key',
      () => options3.getByLabel('Your public key', { exact: true }).first().innerText({ timeout: 1000 }),
      (t) => t.includes(key1));
    await stale.getByRole('button', { name: 'Replace identity' }).click();
    await expectAlert(options2, /identity changed since you opened this backup/i, SLOW_TIMEOUT);

    await until('the options page to show the restored key',
      () => options2.getByLabel('Your public key', { exact: true }).first().innerText({ timeout: 1000 }),
      (t) => t.includes(key1));
    assert.equal(await readPublicKey(await second.popup()), key1, 'the popup should show the restored key');
  }));
