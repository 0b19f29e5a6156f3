// Janus's HTTP API, spoken through Parta's proxy (/api/v1/calls/{id}/janus…): Parta adds
// Janus's secret and lets through only this person's session and their call's room. One
// session, a handle per peer connection, one long poll carrying every handle's events.

import { api } from '../api.js';

const PREFIX = '/api/v1';

let counter = 0;
const transaction = () => `tx${Date.now().toString(36)}${(counter += 1)}`;

// The long poll failing this long in a row (the proxy or the network gone) is a lost session.
const LOST_AFTER_MS = 6000;

/**
 * Open a Janus session at `url` (as Parta gave it). `onGone(reason)` runs once when the
 * session is no longer this page's: 'elsewhere' (another tab or device took the place over),
 * 'refused' (Parta no longer admits this person: removed, let out), 'over' (the call ended),
 * 'lost' (Janus forgot the session, or the poll has failed for a while: the network).
 */
export async function openSession(url, { onGone } = {}) {
  const base = url.startsWith(PREFIX) ? url.slice(PREFIX.length) : url;
  const created = await api('POST', base, { janus: 'create', transaction: transaction() });
  if (created.janus !== 'success') throw new Error(`janus: ${JSON.stringify(created.error || created)}`);
  const id = created.data.id;
  const handles = new Map(); // handle id → event listener
  let open = true;

  const gone = (reason) => {
    if (!open) return;
    open = false;
    clearInterval(keepalive);
    if (onGone) onGone(reason);
  };

  async function poll() {
    let failingSince = null;
    while (open) {
      let answer;
      try {
        answer = await api('GET', `${base}/${id}`);
        failingSince = null;
      } catch (error) {
        if (!open) return;
        const reason = { 404: 'elsewhere', 403: 'refused', 409: 'over' }[error.status];
        if (reason) { gone(reason); return; }
        failingSince = failingSince || Date.now();
        if (Date.now() - failingSince >= LOST_AFTER_MS) { gone('lost'); return; }
        await new Promise((resolve) => { setTimeout(resolve, 1000); });
        continue;
      }
      for (const event of Array.isArray(answer) ? answer : [answer]) {
        if (event.janus === 'error' && event.error && event.error.code === 458) { // no such session
          gone('lost');
          return;
        }
        const listener = event.sender && handles.get(event.sender);
        if (listener) listener(event);
      }
    }
  }
  async function sessionRequest(body) {
    const answer = await api('POST', `${base}/${id}`, { ...body, transaction: transaction() });
    if (answer.janus === 'error') throw new Error(`janus: ${answer.error.reason}`);
    return answer;
  }

  // Keep the session alive between events (Janus forgets a silent one after a minute).
  const keepalive = setInterval(() => { if (open) sessionRequest({ janus: 'keepalive' }).catch(() => {}); }, 25000);
  poll();

  return {
    id,
    /** A handle of `plugin` (VideoRoom unless said); `onEvent(event)` gets its plugin events,
     * media and hang-ups. */
    async attach(onEvent, plugin = 'janus.plugin.videoroom') {
      const attached = await sessionRequest({ janus: 'attach', plugin });
      const handleId = attached.data.id;
      handles.set(handleId, onEvent);
      const path = `${base}/${id}/${handleId}`;
      return {
        id: handleId,
        async send(body, jsep) {
          const answer = await api('POST', path, { janus: 'message', body, jsep, transaction: transaction() });
          if (answer.janus === 'error') throw new Error(`janus: ${answer.error.reason}`);
          const data = answer.plugindata && answer.plugindata.data;
          if (data && data.error) throw new Error(`janus: ${data.error}`);
          return answer;
        },
        trickle(candidate) {
          const body = candidate ? { candidate: { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex } }
            : { candidate: { completed: true } };
          return api('POST', path, { janus: 'trickle', ...body, transaction: transaction() }).catch(() => {});
        },
        detach() {
          handles.delete(handleId);
          return api('POST', path, { janus: 'detach', transaction: transaction() }).catch(() => {});
        },
      };
    },
    close() {
      if (!open) return;
      open = false;
      clearInterval(keepalive);
      sessionRequest({ janus: 'destroy' }).catch(() => {});
    },
  };
}
