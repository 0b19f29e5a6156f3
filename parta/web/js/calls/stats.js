// Figures for tests and diagnostics: what the call this page is in sends and receives, from
// RTCPeerConnection.getStats().

import { currentCall } from './call.js';

/** Every peer connection's received and sent bytes, and the camera's layers. */
export async function callStats() {
  const current = currentCall();
  if (!current || !current.room) return null;
  const sum = async (pc, type, field, kind = 'video') => {
    let total = 0;
    if (!pc) return 0;
    (await pc.getStats()).forEach((r) => { if (r.type === type && r.kind === kind) total += r[field] || 0; });
    return total;
  };
  const subs = current.room.subscriberPcs();
  let received = 0;
  let audio = 0;
  for (const pc of subs) {
    received += await sum(pc, 'inbound-rtp', 'bytesReceived');
    audio += await sum(pc, 'inbound-rtp', 'bytesReceived', 'audio');
  }
  // What the camera sends, layer by layer (rid: simulcast's copies; none without simulcast).
  const layers = [];
  const pub = current.room.publisherPc();
  if (pub) {
    (await pub.getStats()).forEach((r) => {
      if (r.type === 'outbound-rtp' && r.kind === 'video') layers.push({ rid: r.rid || null, bytesSent: r.bytesSent || 0, frameWidth: r.frameWidth || 0 });
    });
  }
  const widths = [];
  for (const pc of subs) (await pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video' && r.frameWidth) widths.push(r.frameWidth); });
  return { remotes: subs.length, videoBytesReceived: received, audioBytesReceived: audio, videoBytesSent: await sum(pub, 'outbound-rtp', 'bytesSent'), layers, receivedWidths: widths };
}
