// blob.bench.mjs: how fast a picture travels between two browsers over the blob protocol
// (docs/protocol.md §12), through the relay's circuit and over a direct WebRTC connection, beside
// the rate of a raw WebRTC data channel between the same two browsers in the same run. Two
// headless Chromium profiles and a relay in the test namespace. A stores pictures of SIZE bytes
// (store_image); B asks get_blob for each and the clock runs until B has stored it (the
// `blob_stored` push). Prints a table; asserts nothing but that each blob arrived whole.
//
//   ./build.sh && tests/netns/run.sh node tests/bench/blob.bench.mjs [size-bytes=1000000] [samples=3]
import { createHash, randomBytes } from 'node:crypto';
import { startPair } from '../e2e/p2p-harness.mjs';
import { benchContext, waitFor } from './bench-harness.mjs';

const SIZE = Number(process.argv[2] || 1_000_000);
const SAMPLES = Number(process.argv[3] || 3);
const PNG_MAGIC = Buffer.from('89504e470d0a1a0a', 'hex');

/** Bytes a node stores as a picture: PNG's first bytes, then noise (nothing decodes them). */
const picture = () => Buffer.concat([PNG_MAGIC, randomBytes(SIZE - PNG_MAGIC.length)]);
const mibPerSecond = (bytes, ms) => (bytes / (1024 * 1024)) / (ms / 1000);

/**
 * MiB/s of a raw data channel from A's page to B's page (signaled through this script, host
 * candidates only), sending `bytes` in 16 KiB messages with the send buffer kept under 4 MiB.
 */
async function rawDataChannel(pageA, pageB, bytes) {
  const offer = await pageA.evaluate(async () => {
    const pc = new RTCPeerConnection();
    window.rawPc = pc;
    window.rawChannel = pc.createDataChannel('raw');
    window.rawChannel.binaryType = 'arraybuffer';
    await pc.setLocalDescription();
    await new Promise((r) => { if (pc.iceGatheringState === 'complete') r(); else pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); });
    return pc.localDescription.sdp;
  });
  const answer = await pageB.evaluate(async ({ sdp, bytes }) => {
    const pc = new RTCPeerConnection();
    window.rawPc = pc;
    window.rawDone = new Promise((resolve) => {
      pc.ondatachannel = ({ channel }) => {
        channel.binaryType = 'arraybuffer';
        let got = 0;
        channel.onmessage = (m) => { got += m.data.byteLength; if (got >= bytes) resolve(Date.now()); };
      };
    });
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription();
    await new Promise((r) => { if (pc.iceGatheringState === 'complete') r(); else pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); });
    return pc.localDescription.sdp;
  }, { sdp: offer, bytes });
  const started = await pageA.evaluate(async ({ sdp, bytes }) => {
    const pc = window.rawPc;
    const channel = window.rawChannel;
    await pc.setRemoteDescription({ type: 'answer', sdp });
    if (channel.readyState !== 'open') await new Promise((r) => { channel.onopen = r; });
    const chunk = new Uint8Array(16 * 1024);
    channel.bufferedAmountLowThreshold = 1 << 20;
    const start = Date.now();
    for (let sent = 0; sent < bytes; sent += chunk.length) {
      if (channel.bufferedAmount > 4 << 20) await new Promise((r) => { channel.onbufferedamountlow = r; });
      channel.send(chunk);
    }
    return start;
  }, { sdp: answer, bytes });
  const done = await pageB.evaluate(() => window.rawDone);
  await pageA.evaluate(() => window.rawPc.close());
  await pageB.evaluate(() => window.rawPc.close());
  return mibPerSecond(bytes, done - started);
}

const rows = [];
for (const [path, direct] of [['relayed', 'off'], ['direct', 'allowed']]) {
  const t = benchContext();
  try {
    const { ca, cb } = await startPair(t, { direct });
    await waitFor(() => cb.request({ method: 'get_network' }),
      (s) => s.peers.some((p) => p.connected && p.connection === path), 60_000, 20);
    await cb.request({ method: 'subscribe', params: { topics: ['people'] } });
    const raw = await rawDataChannel(ca.page, cb.page, 4 * SIZE);
    const times = [];
    for (let i = 0; i < SAMPLES; i++) {
      const bytes = picture();
      const hash = createHash('sha256').update(bytes).digest('hex');
      const stored = await ca.request({ method: 'store_image', params: { base64: bytes.toString('base64') } });
      if (stored !== hash) throw new Error(`A stored ${stored}, not ${hash}`);
      const start = Date.now();
      const first = await cb.request({ method: 'get_blob', params: { hash, purpose: 'image' } });
      if (first !== hash) throw new Error(`B held the picture already: ${JSON.stringify(first).slice(0, 80)}`);
      await waitFor(cb.pushes, (pushes) => pushes.some((p) => p.push.type === 'blob_stored' && p.push.data === hash), 120_000, 20);
      times.push(Date.now() - start);
      const got = await cb.request({ method: 'get_blob', params: { hash, purpose: 'image' } });
      const whole = Buffer.from(got.base64, 'base64');
      if (createHash('sha256').update(whole).digest('hex') !== hash) throw new Error('B holds other bytes');
    }
    times.sort((x, y) => x - y);
    const median = times[times.length >> 1];
    rows.push({ path, raw, median, times, rate: mibPerSecond(SIZE, median) });
  } finally {
    await t.cleanup();
  }
}

console.log(`| path | picture of ${SIZE} bytes, B asks until stored (median of ${SAMPLES}) | blob rate | raw data channel, same run | blob ÷ raw |`);
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.path} | ${r.median} ms (${r.times.join(', ')}) | ${r.rate.toFixed(2)} MiB/s | ${r.raw.toFixed(2)} MiB/s | ${(r.rate / r.raw).toFixed(3)} |`);
}
