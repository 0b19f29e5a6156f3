// Janus's HTTP API, spoken through Parta's proxy (/api/v1/calls/{id}/janus…): Parta adds
// Janus's secret and lets through only this person's session and their call's room. One
// session, a handle per peer connection, one long poll carrying every handle's events.

import { api } from '../api.js';

const PREFIX = '/api/v1';

let counter = 0;
const transaction = () => `tx${Date.now().toString(36)}${(counter += 1)}`;

/** Open a Janus session at `url` (as Parta gave it). `onGone` runs when Janus drops it. */
export async function openSession(url, { onGone } = {}) {
  const base = url.startsWith(PREFIX) ? url.slice(PREFIX.length) : url;
  const created = await api('POST', base, { janus: 'create', transaction: transaction() });
  if (created.janus !== 'success') throw new Error(`janus: ${JSON.stringify(created.error || created)}`);
  const id = created.data.id;
  const handles = new Map(); // handle id → event listener
  let open = true;

  async function poll() {
    while (open) {
      let answer;
      try {
        answer = await api('GET', `${base}/${id}`);
      } catch (error) {
        if (!open) return;
        if (error.status === 404 || error.status === 409 || error.status === 403) {
          open = false;
          if (onGone) onGone(error);
          return;
        }
        await new Promise((resolve) => { setTimeout(resolve, 1000); });
        continue;
      }
      for (const event of Array.isArray(answer) ? answer : [answer]) {
        if (event.janus === 'error' && event.error && event.error.code === 458) { // no such session
          open = false;
          if (onGone) onGone(event.error);
          return;
        }
        const listener = event.sender && handles.get(event.sender);
        if (listener) listener(event);
      }
    }
  }
  poll();

  async function sessionRequest(body) {
    const answer = await api('POST', `${base}/${id}`, { ...body, transaction: transaction() });
    if (answer.janus === 'error') throw new Error(`janus: ${answer.error.reason}`);
    return answer;
  }

  // Keep the session alive between events (Janus forgets a silent one after a minute).
  const keepalive = setInterval(() => { if (open) sessionRequest({ janus: 'keepalive' }).catch(() => {}); }, 25000);

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
