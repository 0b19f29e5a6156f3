// Announcements that need an acknowledgement, and scheduled messages, in the open chat:
//   - the composer's «Требует подтверждения» and «Отправить позже» (date and time in the
//     school's time zone), where the server says the person may use them;
//   - on each such announcement: «Ознакомлен(а)» for a parent whose family has not confirmed,
//     «Ознакомились N из M» and the families that have not, for those who may see them, and
//     how many reminder letters and SMS could not be sent («Не удалось отправить 3 напоминания»);
//   - the author's own scheduled messages in this chat («Запланировано: 3»), to change or cancel;
//   - «Требует подтверждения» in the menu of one's own post already sent (a dialog: by when,
//     urgent).
// Counts come again when the stream says they changed (several changes make one fetch).

import { get, patch, post } from '../api.js';
import { append, h } from '../dom.js';
import { t, tn } from '../i18n.js';
import { toast } from '../ui.js';
import { field } from '../forms.js';
import { formDialog } from '../moderation/dialogs.js';
import { newClientId } from '../chat/sender.js';
import { onAcks } from './store.js';
import { isoToZoned, zonedLabel, zonedToIso } from './zone.js';

function coalesced(work) {
  let running = null;
  let again = false;
  return function run() {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await work();
        } catch {
          // the next event or resync tries again
        }
      } while (again);
    })().finally(() => { running = null; });
    return running;
  };
}

export function createAcksInChat({ chatId, timeline }) {
  let acks = new Map(); // message id → ack
  let canRequire = false;
  let zone = 'Europe/Moscow';
  let scheduled = { pending: 0, items: [] };
  const openLists = new Set(); // ack ids whose family list is shown
  let closed = false;

  // The composer's choices ------------------------------------------------------------------
  const needs = h('button', { type: 'button', class: 'acks-toggle', testid: 'ack-toggle', 'aria-pressed': 'false', hidden: true },
    t('acks.needs'));
  const later = h('button', { type: 'button', class: 'acks-toggle', testid: 'later-toggle', 'aria-pressed': 'false' },
    t('scheduled.later'));
  const whenInput = h('input', { type: 'datetime-local', class: 'acks-input', testid: 'later-at', 'aria-label': t('scheduled.when_label') });
  const deadlineInput = h('input', { type: 'datetime-local', class: 'acks-input', testid: 'ack-deadline', 'aria-label': t('scheduled.deadline_label') });
  const urgentBox = h('input', { type: 'checkbox', testid: 'ack-urgent' });
  const zoneNote = h('span', { class: 'muted small' });
  const whenRow = h('label', { class: 'acks-row', hidden: true }, h('span', {}, t('scheduled.at')), whenInput, zoneNote);
  const ackRow = h('div', { class: 'acks-row', hidden: true },
    h('label', { class: 'acks-field' }, h('span', {}, t('acks.deadline')), deadlineInput),
    h('label', { class: 'acks-check' }, urgentBox, h('span', {}, t('acks.urgent'))));
  const extras = h('div', { class: 'acks-extras', testid: 'composer-extras' },
    h('div', { class: 'acks-toggles' }, needs, later), whenRow, ackRow);

  const pressed = (button) => button.getAttribute('aria-pressed') === 'true';
  function toggle(button, row, on) {
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
    row.hidden = !on;
  }
  needs.addEventListener('click', () => toggle(needs, ackRow, !pressed(needs)));
  later.addEventListener('click', () => {
    toggle(later, whenRow, !pressed(later));
    if (pressed(later) && !whenInput.value) {
      whenInput.value = isoToZoned(new Date(Date.now() + 3600e3).toISOString(), zone);
    }
  });
  function resetChoices() {
    toggle(needs, ackRow, false);
    toggle(later, whenRow, false);
    whenInput.value = '';
    deadlineInput.value = '';
    urgentBox.checked = false;
  }

  function ackFields() {
    const deadline = deadlineInput.value ? zonedToIso(deadlineInput.value, zone) : null;
    return { deadline, urgent: urgentBox.checked };
  }

  /** The composer's send, when one of the choices is on; true when it was handled here. */
  async function intercept(text, attachments = []) {
    const ack = canRequire && pressed(needs);
    if ((ack || pressed(later)) && attachments.length) {
      toast(t('acks.no_files'), 'error');
      throw new Error('files'); // the composer puts the text back
    }
    if (pressed(later)) {
      const sendAt = zonedToIso(whenInput.value, zone);
      try {
        await post(`/chats/${chatId}/scheduled`, { body: text, send_at: sendAt, ...(ack ? { ack: ackFields() } : {}) });
      } catch (error) {
        toast(error.message, 'error');
        throw error; // the composer puts the text back
      }
      toast(t('scheduled.done'));
      resetChoices();
      loadScheduled();
      return true;
    }
    if (!ack) return false;
    try {
      const message = await post(`/chats/${chatId}/messages`, { body: text, client_id: newClientId() });
      await post(`/messages/${message.id}/ack`, ackFields());
    } catch (error) {
      toast(error.message, 'error');
      throw error;
    }
    toast(t('acks.marked'));
    resetChoices();
    loadAcks();
    return true;
  }

  // On the messages -------------------------------------------------------------------------
  async function showList(ack, box) {
    const detail = await get(`/acks/${ack.id}`);
    const missing = (detail.families || []).filter((f) => !f.confirmed);
    box.replaceChildren(
      h('p', { class: 'ack__list-title' }, t('acks.not_confirmed')),
      missing.length
        ? h('ul', { class: 'ack__families', testid: 'ack-missing' }, missing.map((f) => h('li', {},
          h('strong', {}, f.child.name), ' — ',
          f.guardians.length ? f.guardians.map((g) => g.name).join(', ') : t('acks.no_guardians'))))
        : h('p', { class: 'muted small' }, t('acks.all_confirmed')));
  }

  function ackBlock(ack) {
    const parts = [h('span', { class: ['ack__label', ack.urgent && 'ack__label--urgent'] },
      t('acks.needs'), ack.urgent ? ` · ${t('acks.urgent')}` : '')];
    if (ack.deadline) parts.push(h('span', { class: 'muted small' }, `${t('acks.deadline')} ${zonedLabel(ack.deadline, zone)}`));
    if (ack.can_confirm) {
      parts.push(h('button', {
        type: 'button', class: 'btn btn--primary ack__confirm', testid: 'ack-confirm',
        onclick: async (event) => {
          event.currentTarget.disabled = true;
          try {
            const fresh = await post(`/acks/${ack.id}/confirm`);
            acks.set(fresh.message_id, fresh);
            render();
          } catch (error) {
            toast(error.message, 'error');
            event.currentTarget.disabled = false;
          }
        },
      }, t('acks.confirm')));
    } else if (ack.mine.length) {
      parts.push(h('span', { class: 'ack__done', testid: 'ack-done' }, `✓ ${t('acks.confirmed_mine')}`));
    }
    if (ack.sees_status) {
      const box = h('div', { class: 'ack__list', hidden: !openLists.has(ack.id) });
      const count = h('button', {
        type: 'button', class: 'btn btn--secondary ack__count', testid: 'ack-count', 'aria-expanded': openLists.has(ack.id) ? 'true' : 'false',
        onclick: () => {
          const open = !openLists.has(ack.id);
          if (open) openLists.add(ack.id); else openLists.delete(ack.id);
          count.setAttribute('aria-expanded', open ? 'true' : 'false');
          box.hidden = !open;
          if (open) showList(ack, box).catch((error) => toast(error.message, 'error'));
        },
      }, t('acks.count', { confirmed: ack.confirmed, total: ack.total }));
      parts.push(count, box);
      if (ack.reminders_failed) {
        parts.push(h('p', { class: 'ack__failed', testid: 'ack-reminders-failed' },
          tn('acks.reminders_failed', ack.reminders_failed)));
      }
      if (openLists.has(ack.id)) showList(ack, box).catch(() => {});
    }
    return h('div', { class: 'ack', testid: 'ack', dataset: { ackId: String(ack.id) } }, parts);
  }

  function decorate(li) {
    const ack = acks.get(Number(li.dataset.id));
    const old = li.querySelector(':scope .ack');
    const key = ack ? JSON.stringify([ack.confirmed, ack.total, ack.can_confirm, ack.mine, ack.deadline, ack.reminders_failed]) : '';
    if (old && old.dataset.key === key) return;
    if (old) old.remove();
    if (!ack) return;
    const block = ackBlock(ack);
    block.dataset.key = key;
    (li.querySelector('.msg__bubble') || li).append(block);
  }

  function render() {
    for (const li of timeline.el.querySelectorAll('li.msg[data-id]')) decorate(li);
  }

  let queued = false;
  const observer = new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      if (!closed) render();
    });
  });
  observer.observe(timeline.el, { childList: true, subtree: true });

  const loadAcks = coalesced(async () => {
    const answer = await get(`/chats/${chatId}/acks`);
    if (closed) return;
    acks = new Map(answer.acks.map((a) => [a.message_id, a]));
    canRequire = answer.can_require_ack;
    zone = answer.time_zone || zone;
    zoneNote.textContent = t('scheduled.tz', { zone });
    needs.hidden = !canRequire;
    if (!canRequire) toggle(needs, ackRow, false);
    render();
  });

  // Marking a post already sent ---------------------------------------------------------------
  /** The message menu offers it on one's own text post here, not marked yet (the menu shows
   * only one's own: the server refuses anyone else's). */
  function canMark(msg) {
    return canRequire && (msg.kind || 'text') === 'text' && !acks.has(msg.id);
  }

  function mark(msg) {
    return formDialog({
      title: t('acks.needs'),
      intro: h('p', { class: 'muted' }, t('acks.mark_intro')),
      testid: 'ack-mark',
      submitLabel: t('acks.mark_submit'),
      fields: [
        field({ name: 'deadline', type: 'datetime-local', label: t('acks.deadline'), hint: t('acks.mark_deadline_hint', { zone }), testid: 'ack-mark-deadline' }),
        field({ name: 'urgent', type: 'checkbox', label: t('acks.urgent'), hint: t('acks.urgent_hint'), testid: 'ack-mark-urgent' }),
      ],
      async onsubmit(v) {
        const fresh = await post(`/messages/${msg.id}/ack`, { deadline: v.deadline ? zonedToIso(v.deadline, zone) : null, urgent: v.urgent });
        acks.set(fresh.message_id, fresh);
        render();
        toast(t('acks.marked'));
        return true;
      },
    });
  }

  // The author's scheduled messages ---------------------------------------------------------
  const listBox = h('ul', { class: 'scheduled__list', testid: 'scheduled-list', hidden: true });
  const countButton = h('button', {
    type: 'button', class: 'scheduled__count', testid: 'scheduled-count', 'aria-expanded': 'false',
    onclick: () => {
      listBox.hidden = !listBox.hidden;
      countButton.setAttribute('aria-expanded', listBox.hidden ? 'false' : 'true');
    },
  });
  const bar = h('div', { class: 'scheduled', testid: 'scheduled-bar', hidden: true }, countButton, listBox);

  function editor(item, li) {
    const body = h('textarea', { class: 'acks-input scheduled__body', rows: 3, testid: 'scheduled-edit-body', 'aria-label': t('chat.placeholder') });
    body.value = item.body;
    const when = h('input', { type: 'datetime-local', class: 'acks-input', testid: 'scheduled-edit-at', 'aria-label': t('scheduled.when_label') });
    when.value = isoToZoned(item.send_at, zone);
    li.replaceChildren(body, when, h('div', { class: 'scheduled__actions' },
      h('button', {
        type: 'button', class: 'btn btn--primary', testid: 'scheduled-save',
        onclick: async () => {
          try {
            await patch(`/scheduled/${item.id}`, { body: body.value, send_at: zonedToIso(when.value, zone) });
            loadScheduled();
          } catch (error) {
            toast(error.message, 'error');
          }
        },
      }, t('scheduled.save')),
      h('button', { type: 'button', class: 'btn btn--secondary', onclick: () => loadScheduled() }, t('common.cancel'))));
  }

  function itemEl(item) {
    const li = h('li', { class: ['scheduled__item', item.status === 'failed' && 'scheduled__item--failed'], testid: 'scheduled-item' });
    const failed = item.status === 'failed';
    append(li, [
      h('p', { class: 'scheduled__when' }, zonedLabel(item.send_at, zone),
        item.kind === 'announcement' ? ` · ${t('acks.needs')}` : '',
        item.kind === 'poll' ? ` · ${t('polls.label')}` : '',
        failed ? h('span', { class: 'scheduled__failed' }, ` · ${t('scheduled.failed')}`) : ''),
      h('p', { class: 'scheduled__text', testid: 'scheduled-text' }, item.body),
      failed && item.refusal_text ? h('p', { class: 'muted small', testid: 'scheduled-refusal' }, t('acks.not_sent_reason', { reason: item.refusal_text })) : null,
      h('div', { class: 'scheduled__actions' },
        failed ? null : h('button', { type: 'button', class: 'btn btn--secondary', testid: 'scheduled-edit', onclick: () => editor(item, li) }, t('scheduled.edit')),
        h('button', {
          type: 'button', class: 'btn btn--secondary', testid: 'scheduled-cancel',
          onclick: async () => {
            try {
              await post(`/scheduled/${item.id}/cancel`);
              if (!failed) toast(t('scheduled.cancelled'));
              loadScheduled();
            } catch (error) {
              toast(error.message, 'error');
            }
          },
        }, failed ? t('scheduled.dismiss') : t('scheduled.cancel')))]);
    return li;
  }

  const loadScheduled = coalesced(async () => {
    const answer = await get(`/chats/${chatId}/scheduled`);
    if (closed) return;
    scheduled = answer;
    const failed = scheduled.items.filter((i) => i.status === 'failed').length;
    bar.hidden = !scheduled.items.length;
    countButton.textContent = failed
      ? `${t('scheduled.count', { count: scheduled.pending })} · ${t('scheduled.failed')}: ${failed}`
      : t('scheduled.count', { count: scheduled.pending });
    listBox.replaceChildren(...scheduled.items.map(itemEl));
  });

  const stop = onAcks((event) => {
    if (event === null) {
      loadAcks();
      loadScheduled();
    } else if (event.chat_id !== chatId) {
      // another chat's
    } else if (event.type === 'scheduled.changed') {
      loadScheduled();
    } else {
      loadAcks();
    }
  });
  loadAcks();
  loadScheduled();

  return {
    extras,
    bar,
    intercept,
    /** Words only (`on`: the person may answer posts but not post): no «Отправить позже»,
     * nothing else above the text box (the chat's `can_post`, the server's word). */
    setPlain(on) {
      later.hidden = Boolean(on);
      extras.hidden = Boolean(on);
      if (on) toggle(later, whenRow, false);
    },
    canMark,
    mark,
    destroy() {
      closed = true;
      observer.disconnect();
      stop();
    },
  };
}
