// What the conduct filter said about one's own message (R33): the words it found marked in the
// text, the warning with «fix» and «send anyway», and the note that a moderator is looking.

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';

const SHIELD = ['M12 3l7 3v5c0 4.5-3 8.5-7 10-4-1.5-7-5.5-7-10V6z'];

const WORD = /[\p{L}\p{N}]/u;

/**
 * The matched ranges in code points (the server counts in Python str positions, not UTF-16
 * units), each widened to the whole word: the filter may report only a word's stem.
 */
function wordRanges(chars, matches) {
  return matches.map((m) => {
    let start = Math.max(0, Number(m.start) || 0);
    let end = Math.min(chars.length, Number(m.end) || 0);
    while (start > 0 && WORD.test(chars[start - 1])) start -= 1;
    while (end < chars.length && WORD.test(chars[end])) end += 1;
    return [start, end];
  }).filter(([start, end]) => end > start).sort((a, b) => a[0] - b[0]);
}

/** The text with the words the filter found in <mark>. */
export function highlighted(text, matches = []) {
  const chars = Array.from(text || '');
  const ranges = wordRanges(chars, matches);
  const out = [];
  let at = 0;
  for (const [start, end] of ranges) {
    const from = Math.max(start, at);
    if (end <= from) continue;
    if (from > at) out.push(chars.slice(at, from).join(''));
    out.push(h('mark', { class: 'conduct-mark', testid: 'conduct-match' }, chars.slice(from, end).join('')));
    at = end;
  }
  if (at < chars.length) out.push(chars.slice(at).join(''));
  return out;
}

/** Where the first match starts and ends in the textarea's own (UTF-16) offsets. */
export function firstMatchRange(text, matches = []) {
  const chars = Array.from(text || '');
  const [first] = wordRanges(chars, matches);
  if (!first) return null;
  const start = chars.slice(0, first[0]).join('').length;
  return [start, start + chars.slice(first[0], first[1]).join('').length];
}

/** Under a warned message: what is wrong and what can be done about it. */
export function conductWarning(msg, view) {
  const warning = msg.warning;
  const rejected = warning.code === 'conduct_rejected';
  const inline = (label, onclick, testid) => h('button', { type: 'button', class: 'msg__inline-btn', onclick, testid }, label);
  return h('div', { class: ['msg__warning', rejected && 'msg__warning--rejected'], role: 'alert', testid: 'conduct-warning' },
    h('p', { class: 'msg__warning-text' }, icon(SHIELD), h('span', {}, warning.message)),
    h('div', { class: 'msg__warning-actions' },
      inline(t('conduct.fix'), () => view.onFix(msg), 'conduct-fix'),
      rejected
        ? inline(t('chat.discard'), () => view.onDiscard(msg), 'conduct-discard')
        : inline(t('conduct.send_anyway'), () => view.onSendAnyway(msg), 'conduct-send-anyway')));
}

/** In a held message's meta line: waiting for a moderator, or not let through. */
export function heldState(msg, view) {
  if (msg.held.status === 'rejected') {
    return [
      h('span', { class: 'msg__state msg__state--failed', testid: 'message-held-rejected' }, icon(SHIELD), t('conduct.held_rejected')),
      h('button', { type: 'button', class: 'msg__inline-btn', onclick: () => view.onDiscard(msg) }, t('chat.discard')),
    ];
  }
  return [h('span', { class: 'msg__state msg__state--held', testid: 'message-held', title: t('conduct.held_hint') },
    icon(SHIELD), t('conduct.held'))];
}
