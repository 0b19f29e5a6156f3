// «Сейчас тихие часы: 12 из 30 получат уведомление в 7:00» — a calm line above the composer when
// some of the chat's other members are in their quiet hours, so whoever writes late knows they
// will hear of it in the morning. A count and a time only; it never holds a message back.
// Asked for when the chat opens, again every few minutes while the page is in sight, and when
// the text box gets the focus after a while. A chat where nobody waits shows nothing.

import { get } from '../api.js';
import { h, icon } from '../dom.js';
import { t, tn } from '../i18n.js';

const MOON = ['M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z'];
const EVERY_MS = 5 * 60 * 1000; // at most this often on its own
const STALE_MS = 2 * 60 * 1000; // the focus asks again once the answer is this old

/** «07:00» → «7:00». */
function clock(at) {
  return String(at || '').replace(/^0(\d)/, '$1');
}

/** chatId; input — the composer's text box (its focus refreshes the line). */
export function createQuietHint({ chatId, input }) {
  const text = h('span', { class: 'composer__quiet-text' });
  const el = h('div', {
    class: 'composer__quiet', testid: 'composer-quiet', hidden: true, role: 'status', title: t('chat.quiet_hint'),
  }, icon(MOON), text);
  let askedAt = 0;
  let asking = false;
  let gone = false;
  let urgentOn = false; // «Срочно» pressed in the composer: it comes now to everyone
  let last = null;

  function draw(answer) {
    last = answer;
    const waiting = answer && !answer.urgent && !urgentOn && answer.quiet > 0 && answer.typical_at;
    el.hidden = !waiting;
    text.textContent = waiting
      ? tn('chat.quiet_now', answer.quiet, { total: answer.total, at: clock(answer.typical_at) })
      : '';
  }

  async function refresh() {
    if (asking || gone) return;
    asking = true;
    askedAt = Date.now();
    try {
      const answer = await get(`/chats/${chatId}/quiet`);
      if (!gone) draw(answer);
    } catch {
      if (!gone) draw(null); // a hint, not a refusal: without an answer it says nothing
    } finally {
      asking = false;
    }
  }

  const onFocus = () => {
    if (Date.now() - askedAt >= STALE_MS) refresh();
  };
  input.addEventListener('focus', onFocus);
  const timer = setInterval(() => {
    if (document.visibilityState === 'visible') refresh();
  }, EVERY_MS);
  refresh();

  return {
    el,
    refresh,
    /** The composer's «Срочно» is on (or off again): nobody waits for the morning then. */
    setUrgent(on) {
      urgentOn = on;
      draw(last);
    },
    destroy() {
      gone = true;
      clearInterval(timer);
      input.removeEventListener('focus', onFocus);
    },
  };
}
