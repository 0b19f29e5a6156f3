// One person in a Janus VideoRoom: publishes their camera and microphone, subscribes to every
// other publisher, and tells the screen when a remote stream comes or goes.

import { openSession } from './janus.js';

/**
 * The camera's encodings from the call's media settings (Parta's answer, `media`): with
 * simulcast, `layers` copies at full, half and quarter size (rids h, m, l — the order Janus
 * reads them in), each under its share of the room's bitrate cap; else one, under the cap.
 * `size`: the camera's picture ({width, height}). The browser sends fewer copies of a small
 * picture than it is asked for (Chromium: two below about 960×540 — a plain camera's 640×480 —
 * and one below about 480×270), dropping the smallest; a viewer asking Janus for the lowest
 * layer would then ask for one that never comes and keep getting the full picture. So a small
 * camera sends only the copies it can: full and half size.
 */
export function encodings(media, size = null) {
  const cap = (media && media.max_bitrate) || undefined;
  if (!media || !media.simulcast || (media.layers || 1) < 2) return [{ maxBitrate: cap }];
  const all = [
    { rid: 'h', maxBitrate: cap },
    { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: cap && Math.round(cap / 3) },
    { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: cap && Math.round(cap / 8) },
  ];
  const pixels = size && size.width && size.height ? size.width * size.height : Infinity;
  const fits = pixels >= 960 * 540 ? 3 : pixels >= 480 * 270 ? 2 : 1;
  if (fits < 2) return [{ maxBitrate: cap }];
  if (media.layers >= 3) return fits >= 3 ? all : [all[0], all[1]];
  return [all[0], all[2]];
}

// A media connection 'disconnected' this long is lost (Chrome says 'failed' only much later).
const DISCONNECTED_GRACE_MS = 4000;

function peer(iceServers, handle) {
  const pc = new RTCPeerConnection({ iceServers });
  pc.addEventListener('icecandidate', (e) => handle.trickle(e.candidate));
  return pc;
}

/**
 * Join with `access` ({url, room, token, feed_id, display, screen_feed_base}) and `stream` (the
 * local media). `held`: the host holds the microphone, so audio is not published until allowed
 * (`addAudio()`); Parta would refuse it. `media`: Parta's `media` answer (simulcast layers,
 * bitrate cap, when to take the lowest layer). Callbacks: onRemote(feedId, display, stream),
 * onRemoteGone(feedId), onGone(reason) — once: 'kicked' (the host or another tab of mine sent
 * this feed away), 'elsewhere', 'refused', 'over' (see janus.js) or 'lost' (the media or the
 * session failed: the page rejoins). Returns {leave(), setSending(), addAudio(),
 * shareScreen(), publisherPc(), subscriberPcs()}.
 */
export async function joinRoom(access, iceServers, stream, { onRemote, onRemoteGone, onGone, held = false, media = null }) {
  let told = false;
  let health = null;
  /** Tell the page once that this room is over for it (it rejoins, or says why not). */
  function lost(reason) {
    if (left || told) return;
    told = true;
    clearInterval(health);
    if (onGone) onGone(reason);
  }
  const session = await openSession(access.url, { onGone: lost });
  const subscribers = new Map(); // feed id → {handle, pc}
  let pub = null;
  let left = false;
  let low = false; // viewers take the lowest simulcast layer (a large call)

  /** Ask Janus for the lowest layer (or the best) of a subscription's video. */
  function askLayer(entry) {
    if (!entry.pc || !entry.handle || !media || !media.simulcast) return Promise.resolve();
    const streams = entry.pc.getTransceivers().filter((tr) => tr.mid && tr.receiver.track && tr.receiver.track.kind === 'video')
      .map((tr) => ({ mid: tr.mid, substream: low ? 0 : 2 }));
    return streams.length ? entry.handle.send({ request: 'configure', streams }).catch(() => {}) : Promise.resolve();
  }

  async function subscribe(feed) {
    const myScreen = access.screen_feed_base + access.feed_id;
    if (left || subscribers.has(feed.id) || feed.id === access.feed_id || feed.id === myScreen) return;
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
        if (low) askLayer(entry);
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
    if (data.leaving === 'ok') lost(data.reason === 'kicked' ? 'kicked' : 'lost'); // sent away
    if (event.jsep && event.jsep.type === 'answer' && pub) await pub.setRemoteDescription(event.jsep);
    if (event.janus === 'hangup') lost('lost'); // Janus closed the media (ICE failed, DTLS alert)
  });
  let audioPublished = !held;
  let published = false;
  try {
    await handle.send({ request: 'join', ptype: 'publisher', room: access.room, token: access.token, display: access.display });
    await joinedOnce;
    pub = peer(iceServers, handle);
    for (const track of stream.getTracks()) {
      if (track.kind === 'video') pub.addTransceiver(track, { direction: 'sendonly', streams: [stream], sendEncodings: encodings(media, track.getSettings()) });
      else if (audioPublished) pub.addTrack(track, stream);
    }
    if (pub.getTransceivers().length) { // an audio call held from the start publishes once allowed
      await pub.setLocalDescription(await pub.createOffer());
      await handle.send({ request: 'publish' }, pub.localDescription.toJSON());
      published = true;
    }
  } catch (error) { // half-joined: let go of what was made, the page decides what next
    left = true;
    for (const feedId of [...subscribers.keys()]) unsubscribe(feedId);
    if (pub) pub.close();
    session.close();
    throw error;
  }

  // The media connections' health: 'failed' (or closed under us) is lost at once,
  // 'disconnected' after a grace (a short blip recovers by itself).
  const troubledSince = new Map();
  health = setInterval(() => {
    if (left || told) return;
    const now = Date.now();
    const pcs = [pub, ...[...subscribers.values()].map((e) => e.pc)].filter(Boolean);
    for (const pc of pcs) {
      const state = pc.connectionState;
      if (state === 'failed' || state === 'closed') { lost('lost'); return; }
      if (state === 'disconnected') {
        if (!troubledSince.has(pc)) troubledSince.set(pc, now);
        if (now - troubledSince.get(pc) >= DISCONNECTED_GRACE_MS) { lost('lost'); return; }
      } else troubledSince.delete(pc);
    }
  }, 1000);
  pub.addEventListener('connectionstatechange', () => { if (pub.connectionState === 'failed') lost('lost'); });

  const midsOf = (kind) => pub.getTransceivers()
    .filter((tr) => tr.mid && tr.sender && tr.sender.track && tr.sender.track.kind === kind).map((tr) => tr.mid);

  return {
    /** Ask Janus to relay (or stop relaying) my audio or video; refused while the host holds it. */
    async setSending(kind, on) {
      const streams = midsOf(kind).map((mid) => ({ mid, send: on }));
      if (streams.length) await handle.send({ request: 'configure', streams });
    },
    /** Publish the microphone after the host allowed it (it was held when I joined). */
    async addAudio() {
      if (audioPublished || left) return;
      const track = stream.getAudioTracks()[0];
      if (!track) return;
      audioPublished = true;
      pub.addTrack(track, stream);
      await pub.setLocalDescription(await pub.createOffer());
      await handle.send({ request: published ? 'configure' : 'publish' }, pub.localDescription.toJSON());
      published = true;
    },
    /** Share a screen as a feed of its own (Parta lets it join only with the host's grant). */
    async shareScreen(screenStream, onEnded) {
      let screenPc = null;
      let joinedScreen;
      const screenJoined = new Promise((resolve, reject) => { joinedScreen = { resolve, reject }; });
      const screenHandle = await session.attach(async (event) => {
        const data = (event.plugindata && event.plugindata.data) || {};
        if (data.videoroom === 'joined') joinedScreen.resolve(data);
        if (data.error_code) joinedScreen.reject(new Error(data.error || 'janus'));
        if (event.jsep && event.jsep.type === 'answer' && screenPc) await screenPc.setRemoteDescription(event.jsep);
        if ((data.leaving === 'ok' || event.janus === 'hangup') && onEnded) onEnded();
      });
      const stop = () => {
        if (screenPc) screenPc.close();
        screenPc = null;
        screenHandle.send({ request: 'leave' }).catch(() => {});
        screenHandle.detach();
        screenStream.getTracks().forEach((track) => track.stop());
      };
      try {
        await screenHandle.send({ request: 'join', ptype: 'publisher', room: access.room, token: access.token, display: access.display, screen: true });
        await screenJoined;
        screenPc = peer(iceServers, screenHandle);
        for (const track of screenStream.getVideoTracks()) screenPc.addTrack(track, screenStream);
        await screenPc.setLocalDescription(await screenPc.createOffer());
        await screenHandle.send({ request: 'publish' }, screenPc.localDescription.toJSON());
      } catch (error) {
        stop();
        throw error;
      }
      return { stop, pc: () => screenPc };
    },
    /** With `count` people in the call, take the lowest layer from `media.low_layer_from` on. */
    setCrowd(count) {
      const want = !!(media && media.simulcast && media.low_layer_from && count >= media.low_layer_from);
      if (want === low) return;
      low = want;
      for (const entry of subscribers.values()) askLayer(entry);
    },
    /** Stop receiving a feed (its person is no longer in the call, says Parta). */
    drop: unsubscribe,
    publisherPc: () => pub,
    subscriberPcs: () => [...subscribers.values()].map((s) => s.pc).filter(Boolean),
    /** Is every media connection up (or still coming up)? */
    healthy() {
      const pcs = [pub, ...[...subscribers.values()].map((e) => e.pc)].filter(Boolean);
      return !told && pcs.every((pc) => !['failed', 'closed', 'disconnected'].includes(pc.connectionState));
    },
    leave() {
      if (left) return;
      left = true;
      clearInterval(health);
      for (const feedId of [...subscribers.keys()]) unsubscribe(feedId);
      handle.send({ request: 'leave' }).catch(() => {});
      if (pub) pub.close();
      session.close();
    },
  };
}
