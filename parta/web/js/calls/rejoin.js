// Rejoining a call after a lost connection (the media failed, the Janus session or the way to
// Parta's proxy was lost, the network went and came back): a calm «подключаемся снова» over
// the call screen — never a spinner that hangs — and the same call joined again, waiting a
// little longer after each failed try. Parta keeps the place and what the host gave; a call
// that is over, or a removal, ends it for this page with its reason.

import { t } from '../i18n.js';

// Waits between tries (ms); after the last one the page gives up and says so.
const WAITS = [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000, 15000];
// Refusals that end the call for this page (anything else — the network, Janus busy — is tried again).
const FINAL = new Set(['call_over', 'removed_from_call', 'entry_denied', 'not_found', 'no_call', 'not_a_member',
  'chat_archived', 'call_locked', 'call_full', 'not_authenticated', 'blocked', 'call_not_here']);

function show(screen, on) {
  screen.reconnecting.hidden = !on;
  screen.el.classList.toggle('call-screen--reconnecting', on);
}

/**
 * Rejoin with the call `screen` showing the state. `still()`: this page is still in that call;
 * `admit()`: Parta's join of exactly this call; `connect(joined)`: into the room (false: failed);
 * `close(message)`: the call is over for this page; `giveUp()`: no try succeeded.
 */
export async function rejoin(screen, { still, admit, connect, close, giveUp }) {
  show(screen, true);
  for (const wait of WAITS) {
    await new Promise((resolve) => { setTimeout(resolve, wait); });
    if (!still()) return;
    if (!navigator.onLine) continue; // the browser knows there is no network: wait on
    let joined;
    try {
      joined = await admit();
    } catch (error) {
      if (!still()) return;
      if (FINAL.has(error.code) || error.status === 404) {
        const said = { call_over: 'calls.ended', removed_from_call: 'calls.removed' }[error.code];
        close(said ? t(said) : error.message);
        return;
      }
      continue;
    }
    if (!still()) return;
    if (joined.waiting || !joined.janus) continue;
    if (await connect(joined)) {
      if (still()) show(screen, false);
      return;
    }
  }
  if (still()) await giveUp();
}
