// Mentions: typing «@» and a few letters offers the chat's members; picking one writes «@Имя»
// in the box, and the message goes out as «@[Имя](u:id)» — the server keeps only mentions of
// the chat's members and lists them in `mentions`.

import { get } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

export const MENTION = /@\[([^[\]\n]{1,100})\]\(u:(\d{1,12})\)/g;
const QUERY = /(^|\s)@([\p{L}\p{N}-]{0,30})$/u;
const MAX = 6;

/** «@[Маша Иванова](u:12)» → «@Маша Иванова»; the names found go to `known` (name → id). */
export function decodeMentions(text, known = new Map()) {
  return String(text || '').replace(MENTION, (_, name, id) => {
    known.set(name, Number(id));
    return `@${name}`;
  });
}

/**
 * Suggestions under the text box. handleKey(event) returns true when it used the key (the
 * composer then does nothing else with it); encode(text) turns picked names into mentions.
 */
export function attachMentions(input, chatId) {
  const known = new Map(); // name → user id, for what was picked (or came with an edited text)
  let members = null;
  let options = [];
  let active = 0;
  let range = null; // [start, end] of «@query» in the box
  const list = h('ul', { class: 'mention-list', role: 'listbox', testid: 'mention-list', hidden: true,
    'aria-label': t('chat.mention_list') });

  async function loadMembers() {
    if (!members) {
      members = get(`/chats/${chatId}/members`).then((r) => r.members.map((m) => m.user))
        .catch(() => { members = null; return []; });
    }
    return members;
  }

  function close() {
    list.hidden = true;
    list.replaceChildren();
    options = [];
    range = null;
  }

  function pick(user) {
    if (!range) return;
    const before = input.value.slice(0, range[0]);
    const after = input.value.slice(range[1]);
    const insert = `@${user.name} `;
    input.value = before + insert + after;
    known.set(user.name, user.id);
    const caret = before.length + insert.length;
    input.setSelectionRange(caret, caret);
    close();
    input.dispatchEvent(new Event('input'));
    input.focus();
  }

  function render() {
    list.replaceChildren(...options.map((user, i) => h('li', {
      class: `mention-list__item${i === active ? ' is-active' : ''}`, role: 'option',
      'aria-selected': i === active ? 'true' : 'false', testid: 'mention-option',
      onmousedown: (event) => { event.preventDefault(); pick(user); },
    }, user.name)));
    list.hidden = !options.length;
  }

  async function update() {
    const caret = input.selectionStart;
    const m = QUERY.exec(input.value.slice(0, caret));
    if (!m) { close(); return; }
    const query = m[2].toLocaleLowerCase();
    const start = caret - m[2].length - 1;
    const everyone = await loadMembers();
    if (input.selectionStart !== caret) return; // typed on meanwhile: the next input event decides
    const mine = (u) => u.name.toLocaleLowerCase().split(/\s+/).some((w) => w.startsWith(query))
      || u.name.toLocaleLowerCase().startsWith(query);
    options = everyone.filter(mine).slice(0, MAX);
    active = 0;
    range = [start, caret];
    render();
  }

  input.addEventListener('input', update);
  input.addEventListener('blur', () => setTimeout(close, 150));

  return {
    el: list,
    handleKey(event) {
      if (list.hidden || !options.length) return false;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        active = (active + (event.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length;
        render();
      } else if (event.key === 'Enter' || event.key === 'Tab') {
        pick(options[active]);
      } else if (event.key === 'Escape') {
        close();
      } else {
        return false;
      }
      event.preventDefault();
      return true;
    },
    /** The text to send: each picked «@Имя» as a mention (longest names first). */
    encode(text) {
      const names = [...known.keys()].sort((a, b) => b.length - a.length);
      let out = text;
      for (const name of names) {
        out = out.split(`@${name}`).join(`@[${name}](u:${known.get(name)})`);
      }
      return out;
    },
    /** An edited message's text for the box, remembering its mentions. */
    decode: (text) => decodeMentions(text, known),
  };
}
