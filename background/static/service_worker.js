// Service worker: its one job is to keep the single offscreen document (where the
// Phemossa background wasm runs) alive, and to tell pages when it is ready.

const OFFSCREEN_URL = 'offscreen.html';
const READY_TIMEOUT_MS = 15000;
const PING_INTERVAL_MS = 100;

let inFlight = null; // shared promise so concurrent callers never create two documents

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

// Resolves once the background wasm answers a ping; rejects after READY_TIMEOUT_MS.
async function waitUntilReady() {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    try {
      const reply = await chrome.runtime.sendMessage({ type: 'phemossa/ping' });
      if (reply && reply.type === 'phemossa/pong') return;
    } catch (err) {
      lastError = String(err && err.message ? err.message : err);
    }
    await new Promise((resolve) => setTimeout(resolve, PING_INTERVAL_MS));
  }
  throw new Error(`offscreen document did not answer within ${READY_TIMEOUT_MS} ms (${lastError})`);
}

function ensureOffscreen() {
  if (!inFlight) {
    inFlight = (async () => {
      await createIfMissing();
      await waitUntilReady();
    })().finally(() => {
      inFlight = null; // the next call re-checks, so a closed document is recreated
    });
  }
  return inFlight;
}

function ensureAndLog() {
  ensureOffscreen().catch((err) => console.error('Phemossa: offscreen document failed:', err));
}

chrome.runtime.onInstalled.addListener(ensureAndLog);
chrome.runtime.onStartup.addListener(ensureAndLog);

chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  if (!message || message.type !== 'phemossa/ensure-offscreen') return false;
  ensureOffscreen().then(
    () => sendResponse({ ok: true }),
    (err) => sendResponse({ ok: false, error: String(err && err.message ? err.message : err) }),
  );
  return true; // keep the channel open for the async sendResponse
});
