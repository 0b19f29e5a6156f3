// A broadcast's media through Janus (via Parta's proxy): a presenter publishes like a call's
// person (calls/room.js, with the token Parta gave); a viewer has no token and only subscribes —
// to every presenter Janus lists as publishing — with receive-only connections.

import { openSession } from '../calls/janus.js';
import { joinRoom } from '../calls/room.js';

let current = null; // {pcs: () => RTCPeerConnection[], sending: () => RTCPeerConnection | null}

/** Publish `stream` as a presenter. */
export async function present(access, iceServers, stream, { onRemote, onRemoteGone, onGone }) {
  const room = await joinRoom({ ...access, screen_feed_base: 0 }, iceServers, stream, { onRemote, onRemoteGone, onGone });
  current = { pcs: room.subscriberPcs, sending: room.publisherPc };
  return room;
}

/** Watch: subscribe to the presenters as they publish; nothing is ever sent. */
export async function watchRoom(access, iceServers, { onRemote, onRemoteGone, onGone }) {
  const session = await openSession(access.url, { onGone });
  const feeds = new Map(); // feed id → {handle, pc}
  let left = false;

  async function subscribe(feed) {
    if (left || feeds.has(feed.id)) return;
    const entry = { handle: null, pc: null };
    feeds.set(feed.id, entry);
    entry.handle = await session.attach(async (event) => {
      const data = (event.plugindata && event.plugindata.data) || {};
      if (event.jsep && event.jsep.type === 'offer') {
        if (!entry.pc) {
          entry.pc = new RTCPeerConnection({ iceServers });
          entry.pc.addEventListener('icecandidate', (e) => entry.handle.trickle(e.candidate));
          entry.pc.addEventListener('track', (e) => onRemote(feed.id, feed.display, e.streams[0] || new MediaStream([e.track])));
        }
        await entry.pc.setRemoteDescription(event.jsep);
        await entry.pc.setLocalDescription(await entry.pc.createAnswer());
        await entry.handle.send({ request: 'start', room: access.room }, entry.pc.localDescription.toJSON());
      } else if (data.error_code || event.janus === 'hangup' || (data.videoroom === 'event' && data.left)) {
        drop(feed.id);
      }
    });
    await entry.handle.send({ request: 'join', ptype: 'subscriber', room: access.room, streams: [{ feed: feed.id }] });
  }

  function drop(feedId) {
    const entry = feeds.get(feedId);
    if (!entry) return;
    feeds.delete(feedId);
    if (entry.pc) entry.pc.close();
    if (entry.handle) entry.handle.detach();
    onRemoteGone(feedId);
  }

  // Who publishes: asked of Janus every two seconds on a handle of its own (a viewer never
  // joins the room as a publisher, so no one tells them).
  const lister = await session.attach(() => {});
  async function look() {
    if (left) return;
    try {
      const answer = await lister.send({ request: 'listparticipants', room: access.room });
      const people = (answer.plugindata && answer.plugindata.data && answer.plugindata.data.participants) || [];
      const publishing = people.filter((p) => p.publisher);
      for (const p of publishing) subscribe({ id: p.id, display: p.display }).catch(() => drop(p.id));
      for (const feedId of [...feeds.keys()]) if (!publishing.some((p) => p.id === feedId)) drop(feedId);
    } catch {
      // Janus did not answer this time: the next look tries again.
    }
  }
  await look();
  const timer = setInterval(look, 2000);

  const room = {
    pcs: () => [...feeds.values()].map((f) => f.pc).filter(Boolean),
    leave() {
      if (left) return;
      left = true;
      clearInterval(timer);
      for (const feedId of [...feeds.keys()]) drop(feedId);
      lister.detach();
      session.close();
    },
  };
  current = { pcs: room.pcs, sending: () => null };
  return room;
}

/** Watch the school's video the server plays into Janus (the Streaming plugin): «watch» — Parta
 * adds the mountpoint's pin — Janus offers, the page answers receive-only; nothing is sent. */
export async function watchStream(access, iceServers, { onRemote, onGone }) {
  const session = await openSession(access.url, { onGone });
  let pc = null;
  let left = false;
  const handle = await session.attach(async (event) => {
    const data = (event.plugindata && event.plugindata.data) || {};
    if (event.jsep && event.jsep.type === 'offer') {
      if (!pc) {
        pc = new RTCPeerConnection({ iceServers });
        pc.addEventListener('icecandidate', (e) => handle.trickle(e.candidate));
        const shown = new MediaStream();
        pc.addEventListener('track', (e) => { shown.addTrack(e.track); onRemote('video', '', shown); });
      }
      await pc.setRemoteDescription(event.jsep);
      await pc.setLocalDescription(await pc.createAnswer());
      await handle.send({ request: 'start' }, pc.localDescription.toJSON());
    } else if (data.error_code || event.janus === 'hangup'
      || (data.result && data.result.status === 'stopped')) {
      if (!left) onGone();
    }
  }, 'janus.plugin.streaming');
  await handle.send({ request: 'watch', id: access.stream });
  const room = {
    pcs: () => (pc ? [pc] : []),
    leave() {
      if (left) return;
      left = true;
      if (pc) pc.close();
      handle.detach();
      session.close();
    },
  };
  current = { pcs: room.pcs, sending: () => null };
  return room;
}

export function stopMedia() {
  current = null;
}

/** Figures for tests and diagnostics: video frames and bytes received, bytes sent by any of
 * this page's connections to the broadcast. */
export async function broadcastStats() {
  if (!current) return null;
  let framesDecoded = 0;
  let videoBytesReceived = 0;
  let bytesSent = 0;
  const pcs = [...current.pcs(), current.sending()].filter(Boolean);
  for (const pc of pcs) {
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') {
        framesDecoded += r.framesDecoded || 0;
        videoBytesReceived += r.bytesReceived || 0;
      }
      if (r.type === 'outbound-rtp') bytesSent += r.bytesSent || 0;
    });
  }
  return { connections: pcs.length, framesDecoded, videoBytesReceived, bytesSent };
}
