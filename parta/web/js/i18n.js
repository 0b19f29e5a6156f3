// UI texts come from the ru/en catalogs; Russian is the default.

export const LANGUAGES = ['ru', 'en'];
const STORAGE_KEY = 'parta.lang';

let lang = 'ru';
let catalog = {};

function stored() {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return LANGUAGES.includes(value) ? value : null;
  } catch {
    return null;
  }
}

export function currentLang() {
  return lang;
}

/** Load the catalog for `wanted` (or the remembered language, or Russian). */
export async function loadLanguage(wanted) {
  const next = LANGUAGES.includes(wanted) ? wanted : stored() || 'ru';
  if (next === lang && Object.keys(catalog).length) return lang;
  const response = await fetch(`/static/i18n/${next}.json`, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`catalog ${next}: ${response.status}`);
  catalog = await response.json();
  lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    /* private mode: the choice just isn't remembered */
  }
  document.documentElement.lang = lang;
  return lang;
}

// Nested keys; a key may itself hold dots ("audit_actions" → "org.registered").
function lookup(key) {
  const parts = key.split('.');
  let node = catalog;
  for (let i = 0; i < parts.length; i += 1) {
    if (node == null || typeof node !== 'object') return undefined;
    const rest = parts.slice(i).join('.');
    if (rest in node) return node[rest];
    if (!(parts[i] in node)) return undefined;
    node = node[parts[i]];
  }
  return node;
}

/** Has the catalog a text for `key`? */
export function has(key) {
  return typeof lookup(key) === 'string';
}

/** t('signin.sent_sms', {to: '+7 …'}) — `{name}` placeholders are filled from params. */
export function t(key, params) {
  const value = lookup(key);
  const text = typeof value === 'string' ? value : key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

/** Plural form by the language's rules: key.one / key.few / key.many / key.other. */
export function tn(key, count, params = {}) {
  const rule = new Intl.PluralRules(lang).select(count);
  const form = has(`${key}.${rule}`) ? rule : 'other';
  return t(`${key}.${form}`, { count, ...params });
}

export function formatDate(iso, withTime = true) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const options = withTime
    ? { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }
    : { day: 'numeric', month: 'short', year: 'numeric' };
  return new Intl.DateTimeFormat(lang, options).format(date);
}
