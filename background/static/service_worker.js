// Service worker: its one job is to keep the single offscreen document (where the
// Phemossa background wasm runs) alive, and to tell pages when it is ready. A watchdog alarm
// recreates the document when it is gone or has stopped answering, and a document whose wasm
// panicked is replaced at once; the last such restart is remembered for the pages to show.

const OFFSCREEN_URL = 'offscreen.html';
const READY_TIMEOUT_MS = 15000;
const PING_INTERVAL_MS = 100;
// Every 30 s, the shortest period Chrome gives a packed extension's alarm.
const WATCHDOG_ALARM = 'phemossa-watchdog';
const WATCHDOG_PERIOD_MINUTES = 0.5;
// A busy document (a large import, a first sync) answers a ping within a second or two; one
// silent for 20 s is hung. A document that has not answered yet since it was created may still
// be opening or upgrading its database, and is given two minutes.
const HUNG_AFTER_MS = 20000;
const STARTING_FOR_MS = 120000;

let inFlight = null; // shared promise so concurrent callers never create two documents
let createdAt = 0; // when this worker last created the document
let readyAt = 0; // when that document first answered
let lastCrash = null; // { reason, at }: the last time the background was replaced after a failure

async function offscreenExists() {
  const url = chrome.runtime.getURL(OFFSCREEN_URL);
  const contexts = await chrome.runtime.getContexts({
    contextTypes: ['OFFSCREEN_DOCUMENT'],
    documentUrls: [url],
  });
  return contexts.length > 0;
}

async function createIfMissing() {
  if (await offscreenExists()) return;
  createdAt = Date.now();
  try {
    await chrome.offscreen.createDocument({
      url: OFFSCREEN_URL,
      reasons: ['WEB_RTC'],
      justification: 'Runs the Phemossa peer-to-peer node (WebRTC connections to relays and peers).',
    });
  } catch (err) {
    // Another path (e.g. an earlier worker instance) may have created it meanwhile.
    if (!(await offscreenExists())) throw err;
  }
}

// One ping, answered or not within `ms`. A frozen or hung document never answers, and an
// unanswered `sendMessage` never settles, so every ping is raced against a timer: without it
// one ping to a hung document would hold `inFlight` forever and silence the watchdog.
function pingOnce(ms) {
  let timer;
  return Promise.race([
    chrome.runtime.sendMessage({ type: 'phemossa/ping' }).then(
      (reply) => {
        if (!(reply && reply.type === 'phemossa/pong')) return 'no answer';
        // Any answer shows the document has finished starting, whoever asked.
        if (readyAt < createdAt) readyAt = Date.now();
        return 'pong';
      },
      (err) => String(err && err.message ? err.message : err),
    ),
    new Promise((resolve) => { timer = setTimeout(() => resolve('no answer'), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// Resolves once the background wasm answers a ping; rejects after READY_TIMEOUT_MS.
async function waitUntilReady() {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    const outcome = await pingOnce(Math.max(1, Math.min(2000, deadline - Date.now())));
    if (outcome === 'pong') return;
    lastError = outcome;
    await new Promise((resolve) => setTimeout(resolve, PING_INTERVAL_MS));
  }
  throw new Error(`offscreen document did not answer within ${READY_TIMEOUT_MS} ms (${lastError})`);
}

function ensureOffscreen() {
  if (!inFlight) {
    inFlight = (async () => {
      await createIfMissing();
      await waitUntilReady();
      readyAt = Date.now();
    })().finally(() => {
      inFlight = null; // the next call re-checks, so a closed document is recreated
    });
  }
  return inFlight;
}

function ensureAndLog() {
  ensureOffscreen().catch((err) => console.error('Phemossa: offscreen document failed:', err));
}

// Session storage outlives this worker (it sleeps between events) but not the browser.
async function rememberCrash(reason) {
  lastCrash = { reason, at: Date.now() };
  console.error(`Phemossa: restarting the background: ${reason}`);
  try {
    await chrome.storage.session.set({ lastCrash });
  } catch (err) {
    console.warn('Phemossa: cannot remember the restart:', err);
  }
}

async function recallCrash() {
  if (lastCrash) return lastCrash;
  try {
    return (await chrome.storage.session.get('lastCrash')).lastCrash ?? null;
  } catch {
    return null;
  }
}

// Whether the background answers a ping within `ms`.
async function answers(ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await pingOnce(Math.max(1, Math.min(2000, deadline - Date.now())))) === 'pong') return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

// Closes the document (if any is left) and creates a new one. This recovers a document whose
// wasm trapped or whose tasks are stuck; a main thread spinning in a loop is beyond it, since
// extension pages share one renderer process and the new document would wait behind the loop.
let replacing = null; // shared, as inFlight is: two reports at once (both databases closed on a
// full disk, each reporting) replace the document once, and the second never closes the first's.

function replace(reason) {
  if (!replacing) {
    replacing = replaceOnce(reason).finally(() => {
      replacing = null;
    });
  }
  return replacing;
}

async function replaceOnce(reason) {
  await rememberCrash(reason);
  // Bounded: closing a stuck document could itself wait on it. Until it is gone a new one
  // cannot be created, so the close is retried for up to 15 s; if it is still there after
  // that, the next watchdog round (30 s) tries again rather than waiting on it for ever.
  const deadline = Date.now() + 15000;
  while ((await offscreenExists()) && Date.now() < deadline) {
    await Promise.race([
      chrome.offscreen.closeDocument().catch(() => {}), // already gone
      new Promise((resolve) => setTimeout(resolve, 5000)),
    ]);
  }
  if (await offscreenExists()) throw new Error('the stuck offscreen document would not close');
  return ensureOffscreen();
}

let watching = false; // one watchdog round at a time: a round can outlast the 30 s period

async function watchdog() {
  if (inFlight || watching || replacing) return;
  watching = true;
  try {
    await watchdogRound();
  } finally {
    watching = false;
  }
}

async function watchdogRound() {
  if (!(await offscreenExists())) {
    // Closed by the browser or crashed with its renderer: nothing of it is left to report.
    console.warn('Phemossa: the background was not running; starting it again');
    return ensureOffscreen();
  }
  const starting = readyAt < createdAt && Date.now() - createdAt < STARTING_FOR_MS;
  if (starting) return;
  if (!(await answers(HUNG_AFTER_MS))) {
    return replace(`it stopped answering for ${HUNG_AFTER_MS / 1000} seconds`);
  }
}

// Created again at each start of the worker; an alarm of the same name is replaced, not added.
chrome.alarms.create(WATCHDOG_ALARM, { periodInMinutes: WATCHDOG_PERIOD_MINUTES });
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name !== WATCHDOG_ALARM) return;
  watchdog().catch((err) => console.error('Phemossa: watchdog failed:', err));
});

chrome.runtime.onInstalled.addListener(ensureAndLog);
chrome.runtime.onStartup.addListener(ensureAndLog);

chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  if (message?.type === 'phemossa/panicked') {
    // From background/src/panic_report.rs: the wasm cannot go on, so the document is replaced.
    replace(`it stopped on an error: ${String(message.reason).slice(0, 500)}`)
      .catch((err) => console.error('Phemossa: replacing the background failed:', err));
    return false;
  }
  if (message?.type === 'phemossa/unread') {
    // From background/src/badge.rs: the unread notifications, shown on the toolbar icon.
    const count = Number(message.count) || 0;
    chrome.action.setBadgeText({ text: count > 99 ? '99+' : count > 0 ? String(count) : '' })
      .catch((err) => console.warn('Phemossa: cannot set the badge:', err));
    chrome.action.setBadgeBackgroundColor({ color: '#3347c4' }).catch(() => {});
    return false;
  }
  if (message?.type === 'phemossa/last-restart') {
    recallCrash().then((crash) => sendResponse({ crash }));
    return true;
  }
  if (!message || message.type !== 'phemossa/ensure-offscreen') return false;
  ensureOffscreen().then(
    () => sendResponse({ ok: true }),
    (err) => sendResponse({ ok: false, error: String(err && err.message ? err.message : err) }),
  );
  return true; // keep the channel open for the async sendResponse
});
