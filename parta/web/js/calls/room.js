// One person in a Janus VideoRoom: publishes their camera and microphone, subscribes to every
// other publisher, and tells the screen when a remote stream comes or goes.

import { openSession } from './janus.js';

function peer(iceServers, handle) {
  const pc = new RTCPeerConnection({ iceServers });
  pc.addEventListener('icecandidate', (e) => handle.trickle(e.candidate));
  return pc;
}

/**
 * Join with `access` ({url, room, token, feed_id, display}) and `stream` (the local media).
 * Callbacks: onRemote(feedId, display, stream), onRemoteGone(feedId), onGone(reason).
 * Returns {leave(), publisherPc(), subscriberPcs()}.
 */
export async function joinRoom(access, iceServers, stream, { onRemote, onRemoteGone, onGone }) {
  const session = await openSession(access.url, { onGone });
  const subscribers = new Map(); // feed id → {handle, pc}
  let pub = null;
  let left = false;

  async function subscribe(feed) {
    if (left || subscribers.has(feed.id) || feed.id === access.feed_id) return;
    const entry = { handle: null, pc: null };
    subscribers.set(feed.id, entry);
    entry.handle = await session.attach(async (event) => {
      const data = (event.plugindata && event.plugindata.data) || {};
      if (event.jsep && event.jsep.type === 'offer') {
        if (!entry.pc) {
          entry.pc = peer(iceServers, entry.handle);
          entry.pc.addEventListener('track', (e) => {
            const remote = e.streams[0] || new MediaStream([e.track]);
            onRemote(feed.id, feed.display, remote);
          });
        }
        await entry.pc.setRemoteDescription(event.jsep);
        const answer = await entry.pc.createAnswer();
        await entry.pc.setLocalDescription(answer);
        await entry.handle.send({ request: 'start', room: access.room }, entry.pc.localDescription.toJSON());
      } else if (data.videoroom === 'event' && data.left) {
        unsubscribe(feed.id);
      }
    });
    await entry.handle.send({
      request: 'join', ptype: 'subscriber', room: access.room, token: access.token,
      streams: [{ feed: feed.id }],
    });
  }

  function unsubscribe(feedId) {
    const entry = subscribers.get(feedId);
    if (!entry) return;
    subscribers.delete(feedId);
    if (entry.pc) entry.pc.close();
    if (entry.handle) entry.handle.detach();
    onRemoteGone(feedId);
  }

  function publishersIn(data) {
    for (const p of data.publishers || []) subscribe({ id: p.id, display: p.display }).catch(() => {});
    const gone = data.unpublished || data.leaving || data.kicked;
    if (gone && gone !== 'ok') unsubscribe(Number(gone));
  }

  let joined;
  const joinedOnce = new Promise((resolve, reject) => { joined = { resolve, reject }; });
  const handle = await session.attach(async (event) => {
    const data = (event.plugindata && event.plugindata.data) || {};
    if (data.videoroom === 'joined') joined.resolve(data);
    if (data.error_code) joined.reject(new Error(data.error || 'janus'));
    if (data.videoroom === 'event' || data.videoroom === 'joined') publishersIn(data);
    if (data.leaving === 'ok' && !left && onGone) onGone(data.reason || 'left'); // sent away (kicked)
    if (event.jsep && event.jsep.type === 'answer' && pub) await pub.setRemoteDescription(event.jsep);
    if (event.janus === 'hangup' && !left && onGone) onGone(event.reason);
  });
  await handle.send({ request: 'join', ptype: 'publisher', room: access.room, token: access.token, display: access.display });
  await joinedOnce;

  pub = peer(iceServers, handle);
  for (const track of stream.getTracks()) pub.addTrack(track, stream);
  const offer = await pub.createOffer();
  await pub.setLocalDescription(offer);
  await handle.send({ request: 'publish', audio: true, video: stream.getVideoTracks().length > 0 }, pub.localDescription.toJSON());

  return {
    /** Stop receiving a feed (its person is no longer in the call, says Parta). */
    drop: unsubscribe,
    publisherPc: () => pub,
    subscriberPcs: () => [...subscribers.values()].map((s) => s.pc).filter(Boolean),
    leave() {
      if (left) return;
      left = true;
      for (const feedId of [...subscribers.keys()]) unsubscribe(feedId);
      handle.send({ request: 'leave' }).catch(() => {});
      if (pub) pub.close();
      session.close();
    },
  };
}
