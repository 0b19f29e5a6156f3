// «Срочно» in the composer (issue 14): where the chat's answer says the person may
// (`capabilities.can_mark_urgent`: the school's administration, in an ordinary chat), a toggle
// beside «Требует подтверждения». A message sent with it on is sent, then marked urgent: it
// reaches everyone at once, in quiet hours too, and parents who have not read it by SMS. The
// toast says how many SMS went.

import { post } from '../api.js';
import { h } from '../dom.js';
import { t, tn } from '../i18n.js';
import { toast } from '../ui.js';
import { newClientId } from './sender.js';
import { can } from './store.js';

/** onChange(on): «Срочно» was pressed or released (the quiet-hours line says nobody waits). */
export function createUrgent({ chatId, store, onChange = () => {} }) {
  const toggle = h('button', {
    type: 'button', class: 'acks-toggle', testid: 'urgent-toggle', 'aria-pressed': 'false', hidden: true,
    title: t('urgent.hint'),
  }, t('urgent.toggle'));
  const hint = h('p', { class: 'muted small', testid: 'urgent-hint', hidden: true }, t('urgent.hint'));
  const pressed = () => toggle.getAttribute('aria-pressed') === 'true';
  const set = (on) => {
    toggle.setAttribute('aria-pressed', on ? 'true' : 'false');
    hint.hidden = !on;
    onChange(on);
  };
  toggle.addEventListener('click', () => set(!pressed()));

  function refresh() {
    const allowed = can(store.chat(), 'mark_urgent');
    toggle.hidden = !allowed;
    if (!allowed) set(false);
  }
  const stop = store.on((change) => { if (change.kind === 'chat') refresh(); });
  refresh();

  /** The composer's send with «Срочно» on; false when it is off (the send goes on as usual). */
  async function intercept(text, attachments = []) {
    if (!pressed() || toggle.hidden) return false;
    if (attachments.length) {
      toast(t('urgent.no_files'), 'error');
      throw new Error('files'); // the composer puts the text back
    }
    let message;
    try {
      message = await post(`/chats/${chatId}/messages`, { body: text, client_id: newClientId() });
    } catch (error) {
      toast(error.message, 'error');
      throw error;
    }
    set(false);
    try {
      const marked = await post(`/messages/${message.id}/urgent`);
      toast(marked.sms ? tn('urgent.marked_n', marked.sms) : t('urgent.marked_none'));
    } catch (error) {
      toast(t('urgent.not_marked', { reason: error.message }), 'error'); // sent, not marked
    }
    return true;
  }

  return { toggle, hint, intercept, destroy: stop };
}
