// A chat's rules as one numbered list — the school's, then the chat's own (R24) — and the
// picker a moderator names a rule with: every violation, block and removal rests on one (R31).

import { h } from '../dom.js';
import { t } from '../i18n.js';

const NUMBERING = /^\s*(?:\d{1,3}[.)]|[-•*–—])\s*/;

/** One rule per non-empty line; a leading «1.», «2)» or «–» is numbering (as the server reads it). */
export function parseRules(text) {
  return String(text || '').replace(/\r\n/g, '\n').split('\n')
    .map((line) => line.replace(NUMBERING, '').trim())
    .filter(Boolean);
}

function part(title, items, testid) {
  if (!items.length) return null;
  return h('section', { class: 'rules__part', testid },
    h('h3', { class: 'rules__title' }, title),
    h('ol', { class: 'rules__list', start: String(items[0].number) },
      items.map((item) => h('li', { value: String(item.number), testid: 'rule-item' }, item.text))));
}

/** The numbered rules, in two parts when the chat has rules of its own. */
export function rulesList(items = [], { testid } = {}) {
  const school = items.filter((item) => item.source !== 'chat');
  const own = items.filter((item) => item.source === 'chat');
  return h('div', { class: 'rules rules--numbered', testid, tabindex: '0' },
    part(t('rules.school'), school, 'rules-school'),
    part(t('rules.chat_own'), own, 'rules-chat'));
}

/** '3. Не рассылаем рекламу…' — short enough for a <select>. */
export function ruleLabel(item, max = 90) {
  const text = item.text.length > max ? `${item.text.slice(0, max - 1)}…` : item.text;
  return `${item.number}. ${text}`;
}

/** Options for forms.js field({type: 'select'}), starting with «choose a rule». */
export function ruleOptions(items = []) {
  return [['', t('rules.choose')], ...items.map((item) => [item.number, ruleLabel(item)])];
}

/** The school's rules as items, for a chat whose own list the viewer cannot read. */
export function orgItems(texts = []) {
  return texts.map((text, i) => ({ number: i + 1, text, source: 'org' }));
}
