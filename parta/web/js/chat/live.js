// New messages as they come, for the open chat: shown at the end (or counted while the reader
// is away in the past), the jump-down button with that count, the line a screen reader says,
// and catching up after a gap in the stream.

import { get } from '../api.js';
import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { toast } from '../ui.js';
import { filesLabel, plainText } from './format.js';

const DOWN = ['M12 5v14', 'M5 12l7 7 7-7'];

/**
 * chatId; me; store (the open chat); timeline; pages (history.js); known (known.js);
 * sender() → the sender (made after this); reading (reading.js); nameOf(id); current().
 */
export function createLive({ chatId, me, store, timeline, pages, known, sender, reading, nameOf, current }) {
  let unseen = 0;
  const jump = h('button', {
    type: 'button', class: 'chat__jump', hidden: true, testid: 'jump-down', 'aria-label': t('chat.to_newest'), title: t('chat.to_newest'),
    onclick: () => pages.goLive().then(updateJump, () => toast(t('errors.network'), 'error')),
  }, icon(DOWN), h('span', { class: 'chat__jump-count' }));
  const announcer = h('div', { class: 'visually-hidden', 'aria-live': 'polite', testid: 'chat-announcer' });

  function updateJump() {
    const near = timeline.nearBottom() && pages.liveEnd;
    if (near) unseen = 0;
    jump.hidden = near;
    jump.querySelector('.chat__jump-count').textContent = unseen ? String(unseen) : '';
  }

  function onMessage(m) {
    if (timeline.has(m.id)) return;
    if (m.author_id === me && sender().arrived(m)) return;
    if (!pages.liveEnd) {
      // The newest messages are not loaded (a jump into the past): they wait until the reader
      // scrolls down or presses the arrow.
      if (m.author_id !== me) unseen += 1;
      updateJump();
      return;
    }
    const show = (full) => {
      if (!current() || timeline.has(m.id)) return;
      const wasNear = timeline.append([known.decorate(full)], { stick: m.author_id === me });
      if (m.author_id !== me) {
        if (!wasNear) unseen += 1;
        announcer.textContent = `${nameOf(m.author_id) || ''}: ${plainText(m.body, 200) || filesLabel(m)}`;
        reading.refreshSoon();
      }
      updateJump();
    };
    if (m.author_id && m.author_id !== me && !known.knowsAuthor(m.author_id)) known.fetchOne(m.id).then((full) => show(full || m)).catch(() => show(m));
    else show(m);
  }

  /**
   * After a gap in the stream: fetch what came meanwhile (the store fetches the chat itself).
   * A first connection (`fresh`) only closes the short window between our fetch and its start.
   */
  async function catchUp(fresh) {
    try {
      let after = timeline.newestId();
      // Away from the live end (after a jump) the newer pages load as the reader scrolls down.
      for (let guard = 0; pages.liveEnd && guard < 20; guard += 1) {
        const page = await get(`/chats/${chatId}/messages?${after ? `after_id=${after}&` : ''}limit=100`);
        const msgs = [...(page.messages || [])].reverse();
        known.learn(msgs);
        for (const m of msgs) if (!(m.author_id === me && sender().arrived(m))) timeline.append([known.decorate(m)]);
        if (msgs.length < 100 || !after) break;
        after = msgs[msgs.length - 1].id;
      }
      if (!fresh) await reading.refreshRecent();
    } catch {
      /* the next reconnect tries again */
    }
  }

  const stop = store.on((change) => {
    if (change.kind === 'message') onMessage(change.message);
    else if (change.kind === 'resync') catchUp(change.fresh);
  });

  return { jump, announcer, updateJump, destroy: stop };
}
