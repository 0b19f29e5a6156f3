// Searching messages: in all of one's chats (from the chat list) or in one chat (its header).
//
// The server matches Russian word forms («экскурсию» finds «экскурсия»). Here the matched
// words are marked by a rougher rule — a word that starts with the stem of a query word — and
// the marks are built as text nodes and <mark> elements, never as HTML.

import { get, qs } from '../api.js';
import { h, icon, ICONS } from '../dom.js';
import { t, tn } from '../i18n.js';
import { listWhen, plainText } from './format.js';

const WORD = /[\p{L}\p{N}]+/gu;
const RU_ENDING = /[аеёиоуыэюяйь]+$/u;
const EN_ENDING = /(?:ing|ed|es|s|e)$/;
const DELAY_MS = 300;
const MIN_CHARS = 2;
export const SEARCH_ICON = ['M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z', 'M21 21l-5-5'];

let remembered = ''; // the chat list's query outlives the list (opening a result redraws it)

/** The stems of the query's words: «экскурсию в музей» → ['экскурс', 'в', 'муз']. */
export function stemsOf(query) {
  const words = String(query || '').toLocaleLowerCase().match(WORD) || [];
  return [...new Set(words.map((word) => {
    const stem = word.replace(/^[a-z0-9]+$/.test(word) ? EN_ENDING : RU_ENDING, '');
    return stem.length >= 3 ? stem : word;
  }))];
}

const matches = (word, stems) => {
  const lower = word.toLocaleLowerCase();
  return stems.some((stem) => lower.startsWith(stem));
};

/** `text` as nodes, with the words that match `stems` in <mark>. */
export function highlight(text, stems) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(WORD)) {
    if (!matches(m[0], stems)) continue;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(h('mark', { class: 'search-mark' }, m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** About `max` characters of the message around its first matching word. */
export function snippet(body, stems, max = 160) {
  const text = plainText(body, 100_000);
  if (text.length <= max) return text;
  let at = 0;
  for (const m of text.matchAll(WORD)) {
    if (matches(m[0], stems)) {
      at = m.index;
      break;
    }
  }
  let start = Math.max(0, at - Math.floor(max / 3));
  const space = text.indexOf(' ', start);
  if (start > 0 && space !== -1 && space < at) start = space + 1; // begin with a whole word
  const end = Math.min(text.length, start + max);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}

function hit(result, stems, { chatId, onPick }) {
  const author = (result.author && result.author.name) || '';
  const text = result.body ? highlight(snippet(result.body, stems), stems) : [t('search.files_only')];
  const top = chatId
    ? [h('span', { class: 'search-hit__title' }, author || t('chat.someone'))]
    : [h('span', { class: 'search-hit__title', testid: 'search-result-chat' }, result.chat_title || t('chats.untitled'))];
  const inner = [
    h('span', { class: 'search-hit__top' }, top, h('time', { class: 'search-hit__time', datetime: result.created_at }, listWhen(result.created_at))),
    h('span', { class: 'search-hit__text', testid: 'search-result-text' },
      !chatId && author ? h('span', { class: 'search-hit__author' }, `${author}: `) : null, text),
  ];
  if (onPick) {
    return h('li', {}, h('button', { type: 'button', class: 'search-hit', testid: 'search-result', onclick: () => onPick(result) }, inner));
  }
  return h('li', {}, h('a', { class: 'search-hit', testid: 'search-result', href: `/chats/${result.chat_id}?message=${result.id}` }, inner));
}

/**
 * A search field and its results. chatId: search that chat only; onPick(result) instead of
 * following the result's link; onActive(bool) when results start or stop being shown.
 */
export function createSearch({ chatId = null, onPick = null, onActive = () => {}, onClose = null } = {}) {
  const label = chatId ? t('search.in_chat') : t('search.placeholder');
  const input = h('input', {
    type: 'search', class: 'search__input', testid: chatId ? 'chat-search-input' : 'search-input',
    placeholder: label, 'aria-label': label, autocomplete: 'off', enterkeyhint: 'search', maxlength: 200,
  });
  const results = h('div', { class: 'search-results', testid: 'search-results', hidden: true });
  const closeButton = onClose ? h('button', {
    type: 'button', class: 'search__close', testid: 'chat-search-close', 'aria-label': t('search.close'), title: t('search.close'), onclick: onClose,
  }, icon(ICONS.close)) : null;
  const form = h('form', { class: 'search', role: 'search', testid: chatId ? 'chat-search' : 'search' },
    h('span', { class: 'search__icon' }, icon(SEARCH_ICON)), input, closeButton);
  let timer = null;
  let asked = 0;
  let active = false;

  function setActive(on) {
    results.hidden = !on;
    if (on !== active) {
      active = on;
      onActive(on);
    }
  }

  async function run() {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < MIN_CHARS) {
      asked += 1;
      results.replaceChildren();
      setActive(false);
      return;
    }
    const mine = ++asked;
    results.replaceChildren(h('p', { class: 'search-results__status', role: 'status' }, t('search.searching')));
    setActive(true);
    let answer;
    try {
      answer = await get(`/search${qs({ q, chat_id: chatId })}`);
    } catch (error) {
      if (mine === asked) results.replaceChildren(h('p', { class: 'search-results__status', role: 'alert' }, error.message));
      return;
    }
    if (mine !== asked) return; // a newer query is on its way
    const found = answer.results || [];
    const stems = stemsOf(q);
    results.replaceChildren(
      h('p', { class: 'search-results__status', role: 'status', testid: 'search-status' },
        found.length ? tn('search.found', found.length) : t('search.nothing')),
      found.length ? h('ul', { class: 'search-results__list' }, found.map((r) => hit(r, stems, { chatId, onPick }))) : null);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });
  input.addEventListener('input', () => {
    if (!chatId) remembered = input.value;
    clearTimeout(timer);
    if (input.value.trim().length < MIN_CHARS) run();
    else timer = setTimeout(run, DELAY_MS);
  });
  input.addEventListener('focus', () => {
    if (results.childElementCount && input.value.trim().length >= MIN_CHARS) setActive(true);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    if (input.value) clear();
    else if (onClose) onClose();
  });

  function clear() {
    input.value = '';
    if (!chatId) remembered = '';
    run();
  }

  if (!chatId && remembered) {
    input.value = remembered;
    run();
  }

  return {
    form,
    input,
    results,
    clear,
    /** Hide the results, keeping the query (a result was opened). */
    hide: () => setActive(false),
    focus: () => input.focus(),
    destroy: () => clearTimeout(timer),
  };
}
