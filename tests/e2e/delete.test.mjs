// delete.test.mjs: deleting a post (issue 14, protocol.md §5.2), in real browsers through a relay
// in the network namespace. B and C follow A. C goes offline; A deletes a post from its feed
// ("Delete", then the dialog's "Delete"); it leaves A's and B's feeds. With A gone, C comes back
// still holding the post and meets B: B never takes the post back from C, C takes the deletion
// from B and drops the post, and after B restarts and syncs with C again it is still gone from
// both, in their feeds and their stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT, feedHas, follow, listItems, post, readPublicKey, until,
} from './helpers.mjs';
import { exportedLines, launchBrowser, portClient, setBootstrap, startRelay } from './p2p-harness.mjs';

/** The feed item on `page` that holds `text`. */
const feedItem = (page, text) => page.getByRole('list', { name: 'Feed' }).getByRole('listitem').filter({ hasText: text });

/** Whether `session` stores an event with post text `text`, through the export request. */
async function stores(session, text) {
  const client = await portClient(session);
  const lines = await exportedLines(client);
  await client.page.close();
  return lines.some((line) => JSON.parse(line).content?.text === text);
}

test('a deleted post leaves every feed and store and stays gone after restarts and a resync with a peer that missed it',
  { timeout: 4 * TEST_TIMEOUT }, async (t) => {
    const relay = await startRelay(t);
    const a = await launchBrowser(t, 'A');
    const b = await launchBrowser(t, 'B');
    const c = await launchBrowser(t, 'C');
    for (const session of [a, b, c]) await setBootstrap(session, relay.wsAddr);
    const tag = String(Date.now()).slice(-5);
    const aPopup = await a.popup();
    const aKey = await readPublicKey(aPopup);
    for (const session of [b, c]) {
      const popup = await session.popup();
      await readPublicKey(popup);
      await follow(popup, aKey);
      await popup.close();
    }
    const doomed = `A post to regret ${tag}`;
    const stays = `A post that stays ${tag}`;
    await post(aPopup, doomed);
    await post(aPopup, stays);
    const bPopup = await b.popup();
    let cPopup = await c.popup();
    await feedHas(bPopup, [doomed, stays], 60_000);
    await feedHas(cPopup, [doomed, stays], 60_000);

    // C goes offline and misses the delete.
    await c.context.close();

    // Others' posts have no Delete; A's own has one, which asks first.
    assert.equal(await feedItem(bPopup, doomed).getByRole('button', { name: 'Delete' }).count(), 0);
    await feedItem(aPopup, doomed).getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = aPopup.getByRole('alertdialog', { name: 'Delete this post?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.ok((await listItems(aPopup, 'Feed')).some((x) => x.includes(doomed)), 'Cancel deletes nothing');
    await feedItem(aPopup, doomed).getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    const gone = (page) => until(`"${doomed}" to leave the feed`, () => listItems(page, 'Feed'),
      (list) => !list.some((x) => x.includes(doomed)) && list.some((x) => x.includes(stays)), 60_000);
    await gone(aPopup);
    await gone(bPopup);
    assert.equal(await stores(b, doomed), false, 'B dropped it from its store');

    // A leaves; C comes back still holding the post, and meets only B.
    await a.context.close();
    await c.launch();
    cPopup = await c.popup();
    await gone(cPopup);
    assert.equal(await stores(c, doomed), false, 'C took the deletion from B and dropped the post');
    assert.equal(await stores(b, doomed), false, 'B did not take the post back from C');

    // Both restart and sync again: it stays gone.
    await b.relaunch();
    await c.relaunch();
    for (const session of [b, c]) {
      const popup = await session.popup();
      await feedHas(popup, [stays], 60_000);
      assert.ok(!(await listItems(popup, 'Feed')).some((x) => x.includes(doomed)));
      assert.equal(await stores(session, doomed), false);
    }
  });
