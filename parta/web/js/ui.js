// Shared pieces of the interface: page headings, toasts, cards, badges, confirm dialogs.

import { h, icon, ICONS } from './dom.js';
import { t } from './i18n.js';
import { placeToasts } from './toast_place.js';

/** The page heading; it takes the focus after navigation so screen readers announce the page. */
export function pageHeader(title, lead, ...actions) {
  return h(
    'header',
    { class: 'page-header' },
    h('div', { class: 'page-header__text' },
      h('h1', { tabindex: '-1', class: 'page-title' }, title),
      lead ? h('p', { class: 'lead' }, lead) : null),
    actions.length ? h('div', { class: 'page-header__actions' }, actions) : null,
  );
}

export function card(...children) {
  return h('section', { class: 'card' }, children);
}

export function cardTitled(title, ...children) {
  return h('section', { class: 'card' }, h('h2', { class: 'card__title' }, title), children);
}

export function button(label, onclick, { kind = 'secondary', testid, type = 'button', small } = {}) {
  return h('button', { type, class: ['btn', `btn--${kind}`, small && 'btn--small'], onclick, testid }, label);
}

export function loading() {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('common.loading'));
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

export function errorBox(error, testid = 'page-error') {
  const message = (error && error.message) || t('errors.unexpected');
  return h('div', { class: 'alert alert--error', role: 'alert', testid }, message);
}

/** A person's name with the verified-teacher badge ✓ when they carry it (R12). */
export function personName(person, { testid } = {}) {
  if (!person) return h('span', { class: 'muted' }, '—');
  const name = person.name || t('common.no_name');
  const verified = person.verified_teacher === true;
  return h('span', { class: 'person', testid },
    h('span', { class: 'person__name' }, name),
    verified ? verifiedBadge() : null);
}

export function verifiedBadge() {
  const label = t('people.verified_teacher');
  return h('span', { class: 'badge-verified', title: label, testid: 'verified-badge' },
    icon(ICONS.check), h('span', { class: 'visually-hidden' }, label));
}

/** '+79001234567' → '+7 900 123-45-67'; other numbers stay as they are. */
export function formatPhone(phone) {
  const m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(phone || '');
  return m ? `+7 ${m[1]} ${m[2]}-${m[3]}-${m[4]}` : phone || '';
}

export function chip(text, kind = '') {
  return h('span', { class: ['chip', kind && `chip--${kind}`] }, text);
}

export function roleChips(roles = []) {
  return h('span', { class: 'chips' }, roles.map((role) => chip(t(`roles.${role}`), 'role')));
}

/** A label / value list for profile-like data. */
export function facts(rows) {
  const list = h('dl', { class: 'facts' });
  for (const [label, value] of rows) {
    if (value === null || value === undefined || value === '') continue;
    list.append(h('dt', {}, label), h('dd', {}, value));
  }
  return list;
}

/** Short-lived message for everyone, read out by screen readers (the region is aria-live). */
export function toast(message, kind = 'ok') {
  const region = document.getElementById('toasts');
  if (!region) return;
  const item = h('div', { class: ['toast', `toast--${kind}`], testid: 'toast' }, message);
  region.append(item);
  placeToasts(region);
  setTimeout(() => item.classList.add('toast--leaving'), 3600);
  setTimeout(() => item.remove(), 4000);
}

/**
 * Ask before something that can't be undone. Resolves true when confirmed.
 * Uses the native <dialog>, which keeps the focus inside and closes on Escape.
 */
export function confirmDialog(message, { confirmLabel, danger = true } = {}) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'dialog', testid: 'confirm-dialog', 'aria-labelledby': 'confirm-text' });
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.append(
      h('p', { id: 'confirm-text', class: 'dialog__text' }, message),
      h('div', { class: 'dialog__actions' },
        button(t('common.cancel'), () => done(false), { testid: 'confirm-cancel' }),
        button(confirmLabel || t('common.confirm'), () => done(true), {
          kind: danger ? 'danger' : 'primary', testid: 'confirm-ok',
        })),
    );
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Run an async action from a button, disabling it meanwhile and toasting the outcome. */
export async function busy(buttonEl, work, { ok } = {}) {
  if (buttonEl) buttonEl.disabled = true;
  try {
    const result = await work();
    if (ok) toast(ok);
    return result;
  } catch (error) {
    toast((error && error.message) || t('errors.unexpected'), 'error');
    return undefined;
  } finally {
    if (buttonEl && buttonEl.isConnected) buttonEl.disabled = false;
  }
}

/** A table that becomes stacked cards on a phone (CSS uses the data-label). */
export function table(columns, rows, { testid, rowTestid, label } = {}) {
  // A column without a visible heading (its buttons) still names itself to a screen reader.
  const heading = (c) => c.label || (c.srLabel ? h('span', { class: 'visually-hidden' }, c.srLabel) : '');
  const head = h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, heading(c)))));
  const body = h('tbody', {});
  for (const row of rows) {
    const tr = h('tr', { testid: rowTestid ? rowTestid(row) : null });
    for (const c of columns) tr.append(h('td', { 'data-label': c.label }, c.cell(row)));
    body.append(tr);
  }
  return tableWrap(h('table', { class: 'table', testid }, head, body), label);
}

/** A table that may scroll sideways: reachable by keyboard, named for a screen reader. */
export function tableWrap(tableEl, label) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label || t('common.table') }, tableEl);
}

/** Copy text to the clipboard, falling back to selecting the field where the API is missing. */
export async function copyText(text, field) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (field) {
      field.focus();
      field.select();
      try {
        return document.execCommand('copy');
      } catch {
        return false;
      }
    }
    return false;
  }
}
