// The event stream: one WebSocket to /api/v1/events per tab, resumed by the last event id.
//
// Every event goes to one receiver, the dispatcher (events/dispatch.js), which routes it to the
// stores; when the server cannot fill a gap the receiver is told to resync, once. Views never
// listen here. The last id lives in memory and in sessionStorage, so a reload of the tab resumes
// where it stopped instead of losing events.
//
// The stream also carries messages the other way: `sendOverStream` sends one over the live socket
// and gives back the server's answer (see chat/sender.js, which falls back to HTTP).

import { currentLang } from './i18n.js';

const PING_EVERY = 25_000;
const PONG_WAIT = 10_000; // no answer to a ping in this time: the connection is dead
const BACKOFF = [500, 1000, 2000, 3000, 5000, 8000];
const CLOSE_NOT_SIGNED_IN = 4401;
const CLOSE_FOREIGN_ORIGIN = 4403;
const MAX_WAITING = 64; // the server refuses more sends waiting for their answers on one socket
const MAX_FRAME = 64 * 1024; // bytes of one frame the server reads

let receiver = null; // {event(e), resync(reason, head)}: the dispatcher
const statusListeners = new Set();
let socket = null;
let userId = null;
let lastId = null;
let attempt = 0;
let retryTimer = null;
let pingTimer = null;
let pongTimer = null;
let status = 'idle'; // idle | connecting | live | stopped
const answers = new Map(); // ref → {resolve, reject} of a send on the current socket
let lastRef = 0;

function storageKey() {
  return `parta.events.${userId}`;
}

function loadLastId() {
  try {
    const value = Number(sessionStorage.getItem(storageKey()));
    return Number.isSafeInteger(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

function saveLastId(id) {
  lastId = id;
  try {
    if (id == null) sessionStorage.removeItem(storageKey());
    else sessionStorage.setItem(storageKey(), String(id));
  } catch {
    /* kept in memory only */
  }
}

function deliver(event) {
  if (!receiver) return;
  try {
    receiver.event(event);
  } catch (error) {
    console.error(`dispatching ${event.type}`, error); // eslint-disable-line no-console
  }
}

function resync(reason, head = null) {
  if (!receiver) return;
  try {
    receiver.resync(reason, head);
  } catch (error) {
    console.error('dispatching a resync', error); // eslint-disable-line no-console
  }
}

function setStatus(next) {
  if (status === next) return;
  status = next;
  for (const fn of [...statusListeners]) {
    try {
      fn(next);
    } catch (error) {
      console.error('connection status listener', error); // eslint-disable-line no-console
    }
  }
}

/** The one receiver of the stream (the dispatcher): {event(e), resync(reason, head)}. */
export function setReceiver(next) {
  receiver = next;
}

/** Listen for the connection's status (not an event of the stream); returns the unsubscriber. */
export function onStatus(fn) {
  statusListeners.add(fn);
  return () => statusListeners.delete(fn);
}

/** 'idle' | 'connecting' | 'live' | 'stopped' */
export function connectionStatus() {
  return status;
}

function clearTimers() {
  clearTimeout(retryTimer);
  clearInterval(pingTimer);
  clearTimeout(pongTimer);
  retryTimer = pingTimer = pongTimer = null;
}

function url() {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  // The page's language: refusals of sends over the socket are written in it.
  const query = new URLSearchParams({ lang: currentLang() });
  if (lastId != null) query.set('last_id', String(lastId));
  return `${scheme}//${window.location.host}/api/v1/events?${query}`;
}

function handle(raw) {
  let event;
  try {
    event = JSON.parse(raw);
  } catch {
    return;
  }
  clearTimeout(pongTimer); // anything from the server proves the connection alive
  pongTimer = null;
  const type = event && event.type;
  if (type === 'pong') return;
  if (type === 'sent' || type === 'refused') {
    const waiter = answers.get(event.ref);
    answers.delete(event.ref);
    if (waiter) waiter.resolve(event);
    return;
  }
  if (type === 'hello') {
    const fresh = lastId == null;
    saveLastId(Number(event.last_id) || 0);
    attempt = 0;
    setStatus('live');
    // A first connection replays nothing: what a view fetched before it may be a bit old —
    // older than the stream's head, which a store compares with what its answer reflected.
    if (fresh) resync('fresh', lastId);
    return;
  }
  if (type === 'resync_required') {
    // With a position we go on from it; without one (cut off as too slow) we start afresh.
    saveLastId(event.last_id != null ? Number(event.last_id) : null);
    resync(event.reason || 'gap', lastId);
    return;
  }
  if (typeof event.id === 'number' && event.id > 0) {
    if (lastId != null && event.id <= lastId) return; // seen already
    saveLastId(event.id);
  }
  if (type) deliver(event);
}

function scheduleReconnect() {
  if (status === 'stopped' || retryTimer) return;
  const base = BACKOFF[Math.min(attempt, BACKOFF.length - 1)];
  attempt += 1;
  const delay = base / 2 + Math.random() * base / 2; // jitter: a restarted server is not stampeded
  retryTimer = setTimeout(() => {
    retryTimer = null;
    connect();
  }, delay);
}

function connect() {
  if (status === 'stopped' || socket) return;
  setStatus('connecting');
  let ws;
  try {
    ws = new WebSocket(url());
  } catch {
    scheduleReconnect();
    return;
  }
  socket = ws;
  ws.addEventListener('open', () => {
    clearInterval(pingTimer);
    pingTimer = setInterval(ping, PING_EVERY);
  });
  ws.addEventListener('message', (message) => {
    if (socket === ws) handle(message.data);
  });
  ws.addEventListener('close', (closed) => {
    if (socket !== ws) return;
    socket = null;
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    pingTimer = pongTimer = null;
    dropAnswers();
    if (status === 'stopped') return;
    if (closed.code === CLOSE_NOT_SIGNED_IN) {
      stopRealtime();
      window.dispatchEvent(new CustomEvent('parta:signed-out'));
      return;
    }
    if (closed.code === CLOSE_FOREIGN_ORIGIN) {
      stopRealtime();
      return;
    }
    setStatus('connecting');
    scheduleReconnect();
  });
}

/** The sends still waiting will never hear back on this socket: their callers resend them. */
function dropAnswers() {
  const lost = [...answers.values()];
  answers.clear();
  for (const waiter of lost) waiter.reject(new Error('the connection closed before the answer'));
}

/** Something was sent that the server answers: no word back in time means a dead connection. */
function expectWord() {
  if (pongTimer) return;
  pongTimer = setTimeout(() => {
    // A half-open connection never reports its own death: drop it and dial again.
    const dead = socket;
    socket = null;
    pongTimer = null;
    clearInterval(pingTimer);
    dropAnswers();
    if (dead) dead.close();
    setStatus('connecting');
    scheduleReconnect();
  }, PONG_WAIT);
}

function ping() {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  socket.send(JSON.stringify({ type: 'ping' }));
  expectWord();
}

/**
 * Send a message (the fields of POST /chats/{id}/messages plus chat_id) over the live stream.
 * Returns null when the stream cannot take it now — not live, too many sends waiting, too big —
 * and the caller sends it over HTTP. Otherwise a promise of the server's answer,
 * {type: 'sent', status, result} or {type: 'refused', status, error}; it rejects when the
 * connection drops first, and then only a resend with the same client id tells what happened.
 */
export function sendOverStream(fields) {
  if (status !== 'live' || !socket || socket.readyState !== WebSocket.OPEN) return null;
  if (answers.size >= MAX_WAITING) return null;
  lastRef += 1;
  const ref = `s${lastRef}`;
  const frame = JSON.stringify({ ...fields, type: 'send', ref });
  if (new Blob([frame]).size > MAX_FRAME) return null;
  const ws = socket;
  return new Promise((resolve, reject) => {
    answers.set(ref, { resolve, reject });
    ws.send(frame);
    expectWord();
  });
}

/** Come back at once when the network or the tab returns, instead of waiting out the backoff. */
function hurry() {
  if (status !== 'connecting' || socket) return;
  clearTimeout(retryTimer);
  retryTimer = null;
  attempt = 0;
  connect();
}

let listening = false;

/** Open the stream for the signed-in person (idempotent). */
export function startRealtime(user) {
  if (!user || !('WebSocket' in window)) return;
  if (userId === user.id && status !== 'stopped' && status !== 'idle') return;
  if (userId !== user.id) {
    stopRealtime();
    userId = user.id;
    lastId = loadLastId();
  }
  if (!listening) {
    listening = true;
    window.addEventListener('online', hurry);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') hurry();
    });
  }
  status = 'idle';
  attempt = 0;
  connect();
}

/** Close the stream (signing out); the remembered position is kept for this tab. */
export function stopRealtime() {
  setStatus('stopped');
  clearTimers();
  dropAnswers();
  const ws = socket;
  socket = null;
  if (ws) ws.close();
}

/** Forget the person: after signing out, the next one starts without a position. */
export function forgetRealtime() {
  stopRealtime();
  if (userId != null) saveLastId(null);
  userId = null;
  lastId = null;
}
