// A chat's invite links (R22) on its settings page: make one (expiry, use limit, approval),
// copy it, show it as a QR code, annul it. Whoever opens it sees the chat's rules first.

import { get, post, qs } from '../api.js';
import { h, icon, ICONS, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { formatDate, t, tn } from '../i18n.js';
import { watch } from '../events/topics.js';
import {
  busy, button, cardTitled, chip, confirmDialog, copyText, empty, errorBox, personName, toast,
} from '../ui.js';

const STATE_KIND = { active: 'ok', expired: 'warn', used_up: '', annulled: 'danger' };

function urlRow(link, testid) {
  const input = h('input', {
    class: 'input input--url', type: 'text', readonly: true, value: link.url, testid,
    'aria-label': t('chat_links.url'), onfocus: (e) => e.target.select(),
  });
  const copy = h('button', {
    type: 'button', class: 'btn btn--secondary', testid: `${testid}-copy`,
    onclick: async () => {
      const ok = await copyText(link.url, input);
      toast(ok ? t('chat_links.copied') : t('chat_links.copy_failed'), ok ? 'ok' : 'error');
    },
  }, icon(ICONS.copy), ' ', t('chat_links.copy'));
  return h('div', { class: 'copy-row' }, input, copy);
}

function qrToggle(link) {
  const holder = h('div', { class: 'qr', hidden: true });
  const toggle = h('button', {
    type: 'button', class: 'btn btn--ghost', 'aria-expanded': 'false', testid: `chat-link-qr-toggle-${link.id}`,
    onclick: () => {
      const open = holder.hidden;
      if (open && !holder.firstChild) {
        holder.append(h('img', {
          src: `/api/v1/chats/${link.chat_id}/links/${link.id}/qr.svg`, alt: t('chat_links.qr_alt'),
          width: '200', height: '200', testid: `chat-link-qr-${link.id}`,
        }));
      }
      holder.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
      toggle.textContent = open ? t('chat_links.hide_qr') : t('chat_links.show_qr');
    },
  }, t('chat_links.show_qr'));
  return [toggle, holder];
}

function linkItem(link, reload) {
  const uses = link.max_uses ? tn('chat_links.uses_of', link.uses, { max: link.max_uses }) : tn('chat_links.uses', link.uses);
  const [qrButton, qrHolder] = qrToggle(link);
  const active = link.state === 'active';
  const annul = active ? button(t('chat_links.annul'), async (event) => {
    const target = event.currentTarget;
    if (!(await confirmDialog(t('chat_links.annul_confirm'), { confirmLabel: t('chat_links.annul') }))) return;
    await busy(target, async () => {
      await post(`/chats/${link.chat_id}/links/${link.id}/annul`);
      await reload();
    }, { ok: t('chat_links.annulled') });
  }, { kind: 'danger-ghost', testid: `chat-link-annul-${link.id}` }) : null;
  return h('li', { class: 'invite', testid: 'chat-link', dataset: { linkId: String(link.id), state: link.state } },
    h('div', { class: 'invite__head' },
      h('strong', { class: 'invite__title' }, link.requires_approval ? t('chat_links.with_approval') : t('chat_links.open')),
      chip(t(`invite_state.${link.state}`), STATE_KIND[link.state] || '')),
    h('p', { class: 'muted small' }, [uses, t('chat_links.expires', { date: formatDate(link.expires_at) })].join(' · ')),
    link.created_by ? h('p', { class: 'muted small' }, t('chat_links.created_by'), ' ', personName(link.created_by)) : null,
    active ? urlRow(link, `chat-link-url-${link.id}`) : null,
    h('div', { class: 'row row--wrap' }, active ? qrButton : null, annul),
    qrHolder);
}

function createForm(chat, onCreated) {
  return form({
    testid: 'chat-link-form',
    className: 'form--grid',
    fields: [
      field({ name: 'ttl_days', label: t('chat_links.ttl_days'), type: 'number', min: 1, max: 365, value: 14, testid: 'chat-link-ttl' }),
      field({ name: 'max_uses', label: t('chat_links.max_uses'), type: 'number', min: 1, max: 10000, testid: 'chat-link-max-uses', hint: t('chat_links.max_uses_hint') }),
      field({ name: 'requires_approval', label: t('chat_links.requires_approval'), type: 'checkbox', testid: 'chat-link-approval', hint: t('chat_links.requires_approval_hint'), wide: true }),
    ],
    actions: [submit(t('chat_links.create'), 'chat-link-create')],
    onsubmit: async (values) => {
      const payload = { requires_approval: Boolean(values.requires_approval) };
      if (values.ttl_days) payload.ttl_days = Number(values.ttl_days);
      if (values.max_uses) payload.max_uses = Number(values.max_uses);
      const link = await post(`/chats/${chat.id}/links`, payload);
      toast(t('chat_links.created'));
      onCreated(link);
    },
  });
}

/** The card; `onLeave` stops its watching when the page goes. */
export function chatLinksCard(chat, onLeave) {
  const listHolder = h('div', {});
  const fresh = h('div', { 'aria-live': 'polite' });
  let showAll = false;
  const reload = async () => {
    try {
      const answer = await get(`/chats/${chat.id}/links${qs({ state: showAll ? 'all' : 'active' })}`);
      const links = answer.links || [];
      replace(listHolder, links.length
        ? h('ul', { class: 'invites', testid: 'chat-links-list' }, links.map((l) => linkItem(l, reload)))
        : empty(t('chat_links.none')));
    } catch (error) {
      replace(listHolder, errorBox(error));
    }
  };
  const showCreated = (link) => {
    replace(fresh, h('div', { class: 'new-invite', testid: 'new-chat-link' },
      h('h3', { class: 'new-invite__title' }, t('chat_links.new_ready')),
      h('p', { class: 'hint' }, link.requires_approval ? t('chat_links.new_hint_approval') : t('chat_links.new_hint')),
      urlRow(link, 'new-chat-link-url'),
      qrToggle(link)));
    fresh.querySelector('input')?.focus();
    reload();
  };
  const allToggle = h('label', { class: 'check' },
    h('input', {
      type: 'checkbox', class: 'checkbox', testid: 'chat-links-all',
      onchange: (e) => {
        showAll = e.target.checked;
        reload();
      },
    }), h('span', {}, t('chat_links.show_all')));
  onLeave(watch('chat_links', (event) => {
    if (!event || event.chat_id === chat.id) reload();
  }));
  reload();
  const el = cardTitled(t('chat_links.title'),
    h('p', { class: 'hint' }, t('chat_links.lead')),
    createForm(chat, showCreated), fresh,
    h('h3', { class: 'subhead' }, t('chat_links.list')), allToggle, listHolder);
  el.classList.add('chat-links');
  el.dataset.testid = 'chat-links';
  return el;
}
