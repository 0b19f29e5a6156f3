// Message text: a safe formatting subset built as DOM nodes from plain text, and dates.
//
// **bold**, _italic_, `code`, http(s) links and line breaks. Everything else stays text: the
// body never goes through an HTML parser, so no markup a person types can become markup.

import { h } from '../dom.js';
import { currentLang, t } from '../i18n.js';
import { session } from '../session.js';

const PATTERNS = [
  { kind: 'code', re: /`([^`\n]+)`/ },
  { kind: 'mention', re: /@\[([^[\]\n]{1,100})\]\(u:(\d{1,12})\)/ },
  { kind: 'link', re: /\bhttps?:\/\/[^\s<>"'«»]+/i },
  { kind: 'bold', re: /\*\*(?=\S)([^\n]*?\S)\*\*/ },
  // Underscores inside words (snake_case, file_name) are not italics.
  { kind: 'italic', re: /(^|[^\p{L}\p{N}_])_(?=\S)([^_\n]*?[^\s_])_(?![\p{L}\p{N}_])/u },
];
const TRAILING = /[.,;:!?…)\]}»"']+$/;

/** A link only for http and https; anything else stays text. */
function linkNode(raw) {
  let text = raw;
  let tail = '';
  const trail = TRAILING.exec(text);
  if (trail) {
    // A closing parenthesis that opens inside the link belongs to it (Wikipedia-style URLs).
    let cut = trail[0];
    if (cut.startsWith(')') && text.slice(0, -cut.length).includes('(')) cut = cut.slice(1);
    if (cut) {
      tail = cut;
      text = text.slice(0, -cut.length);
    }
  }
  let url;
  try {
    url = new URL(text);
  } catch {
    return [raw];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return [raw];
  return [h('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer', class: 'msg-link' }, text), tail];
}

/** «@Имя», marked when it is the reader. */
function mentionNode(name, userId) {
  const me = session.user && session.user.id === userId;
  return h('span', { class: `mention${me ? ' mention--me' : ''}`, testid: 'mention' }, `@${name}`);
}

function firstMatch(text) {
  let best = null;
  for (const { kind, re } of PATTERNS) {
    const m = re.exec(text);
    if (!m) continue;
    // Italic's pattern also eats the character before the underscore: step over it.
    const lead = kind === 'italic' ? m[1].length : 0;
    const index = m.index + lead;
    if (!best || index < best.index) best = { kind, m, index, length: m[0].length - lead };
  }
  return best;
}

function inline(text, depth = 0) {
  const out = [];
  let rest = text;
  while (rest) {
    const found = depth < 3 ? firstMatch(rest) : null;
    if (!found) {
      out.push(rest);
      break;
    }
    if (found.index > 0) out.push(rest.slice(0, found.index));
    const { kind, m } = found;
    if (kind === 'code') out.push(h('code', { class: 'msg-code' }, m[1]));
    else if (kind === 'mention') out.push(mentionNode(m[1], Number(m[2])));
    else if (kind === 'link') out.push(...linkNode(m[0]));
    else if (kind === 'bold') out.push(h('strong', {}, inline(m[1], depth + 1)));
    else out.push(h('em', {}, inline(m[2], depth + 1)));
    rest = rest.slice(found.index + found.length);
  }
  return out;
}

/** The body of a message as nodes: inline formatting per line, <br> between lines. */
export function formatBody(text) {
  const nodes = [];
  String(text || '').split('\n').forEach((line, i) => {
    if (i) nodes.push(h('br', {}));
    nodes.push(...inline(line));
  });
  return nodes;
}

/** One line of plain text for previews: markers dropped, lines joined. */
export function plainText(text, max = 140) {
  const flat = String(text || '')
    .replace(/@\[([^[\]\n]{1,100})\]\(u:\d{1,12}\)/g, '@$1')
    .replace(/\*\*(\S[^\n]*?\S|\S)\*\*/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/(^|[^\p{L}\p{N}_])_(\S[^_\n]*?\S|\S)_(?![\p{L}\p{N}_])/gu, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A message with files and no text: «Фото» when all are photos (live ones say), else «Вложение». */
export function filesLabel(m) {
  const files = m.attachments || [];
  return files.length && files.every((a) => a.kind === 'photo') ? t('files.photo') : t('chats.attachment');
}

// Dates -----------------------------------------------------------------------------------------

const sameDay = (a, b) => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth()
  && a.getDate() === b.getDate();

export function dayKey(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function timeOf(iso) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(currentLang(), { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** «Сегодня», «Вчера», «22 ноября», «22 ноября 2025 г.» */
export function dayLabel(iso) {
  const d = new Date(iso);
  const now = new Date();
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(d, now)) return t('chat.today');
  if (sameDay(d, yesterday)) return t('chat.yesterday');
  const options = { day: 'numeric', month: 'long' };
  if (d.getFullYear() !== now.getFullYear()) options.year = 'numeric';
  return new Intl.DateTimeFormat(currentLang(), options).format(d);
}

/** For the chat list: the time today, the day otherwise. */
export function listWhen(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const now = new Date();
  if (sameDay(d, now)) return timeOf(iso);
  const options = { day: 'numeric', month: 'short' };
  if (d.getFullYear() !== now.getFullYear()) options.year = '2-digit';
  return new Intl.DateTimeFormat(currentLang(), options).format(d);
}

export function fullWhen(iso) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(currentLang(), { dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso));
}

/** 1536 → «1,5 КБ»: bytes in the units people read, with the language's decimal comma. */
export function formatSize(bytes) {
  const n = Number(bytes) || 0;
  const units = [['files.size_b', 1], ['files.size_kb', 1024], ['files.size_mb', 1024 ** 2], ['files.size_gb', 1024 ** 3]];
  let [key, unit] = units[0];
  for (const [k, u] of units) if (n >= u) [key, unit] = [k, u];
  const value = new Intl.NumberFormat(currentLang(), { maximumFractionDigits: unit === 1 || n / unit >= 10 ? 0 : 1 }).format(n / unit);
  return t(key, { n: value });
}
