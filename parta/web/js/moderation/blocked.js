// What a blocked member sees instead of the composer (R29, R30): until when and why, and a way
// to apologize — after which a moderator may propose to end the block early.

import { post } from '../api.js';
import { h, icon, replace } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { button, toast } from '../ui.js';

const LOCK = ['M7 11V7a5 5 0 0 1 10 0v4', 'M5 11h14v10H5z'];

function statusLine(block) {
  const deadline = block.objection_deadline ? formatDate(block.objection_deadline) : '';
  if (block.unblock_status === 'proposed') return t('blocks.status_proposed', { deadline });
  if (block.unblock_status === 'objected') return t('blocks.status_objected');
  if (block.apology) return t('blocks.status_apologized');
  return null;
}

const LONGEST_TIMER = 2 ** 31 - 1;

/**
 * The banner for chat.my_block; it draws itself again after the apology is sent. onEnd() is
 * called when the block should be over — its end, or the end of an unopposed proposal to end
 * it early, which the server settles without telling anyone — to fetch the chat again.
 */
export function blockedBanner(chat, { onEnd } = {}) {
  const el = h('div', { class: 'blocked', role: 'region', 'aria-label': t('blocks.region'), testid: 'blocked-banner' });
  const block = chat.my_block;
  const proposalEnds = block.unblock_status === 'proposed' && block.objection_deadline ? Date.parse(block.objection_deadline) : Infinity;
  const wait = Math.min(Date.parse(block.ends_at), proposalEnds) - Date.now() + 1000;
  if (onEnd && wait < LONGEST_TIMER) {
    setTimeout(() => {
      if (el.isConnected) onEnd();
    }, Math.max(wait, 1000));
  }

  function apologyForm() {
    const id = `apology-${chat.id}`;
    const text = h('textarea', { id, class: 'input', rows: 3, maxlength: 2000, testid: 'apology-text' });
    const error = h('p', { class: 'field-error', role: 'alert', hidden: true });
    const send = h('button', { type: 'submit', class: 'btn btn--primary btn--small', testid: 'apology-send' }, t('blocks.apology_send'));
    const formEl = h('form', { class: 'blocked__form', novalidate: true },
      h('label', { for: id, class: 'label' }, t('blocks.apology_label')),
      text,
      h('p', { class: 'hint' }, t('blocks.apology_hint')),
      error,
      h('div', { class: 'form-actions' }, send, button(t('common.cancel'), () => draw(), { kind: 'ghost', small: true })));
    formEl.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!text.value.trim()) {
        error.textContent = t('field_errors.required');
        error.hidden = false;
        text.focus();
        return;
      }
      send.disabled = true;
      try {
        chat.my_block = await post(`/blocks/${chat.my_block.id}/apology`, { text: text.value.trim() });
        toast(t('blocks.apology_sent'));
        draw();
      } catch (failure) {
        error.textContent = failure.message;
        error.hidden = false;
        send.disabled = false;
      }
    });
    return formEl;
  }

  function draw(withForm = false) {
    const block = chat.my_block;
    const status = statusLine(block);
    replace(el,
      h('p', { class: 'blocked__title' }, icon(LOCK),
        h('span', { testid: 'blocked-until' }, t('blocks.until', { until: formatDate(block.ends_at) }))),
      h('p', { class: 'blocked__why', testid: 'blocked-rule' }, t('blocks.rule', { number: block.rule_number, text: block.rule_text })),
      block.reason ? h('p', { class: 'blocked__why' }, t('blocks.reason', { reason: block.reason })) : null,
      h('p', { class: 'hint' }, t('blocks.can_read')),
      status ? h('p', { class: 'blocked__status', testid: 'blocked-status' }, status) : null,
      withForm ? apologyForm() : null,
      !withForm && !block.apology
        ? button(t('blocks.apologize'), () => {
          draw(true);
          el.querySelector('textarea').focus();
        }, { small: true, testid: 'apologize' })
        : null);
  }

  draw();
  return el;
}
