// Tabs as the ARIA pattern has them: a tablist of buttons, one panel shown, arrow keys move
// between tabs. A panel is built the first time its tab is opened (lazily: it may fetch).

import { h, replace } from './dom.js';

let uid = 0;

/**
 * tabs([{key, label, count, tone, testid, render: () => Node | Promise<Node>}], {label, current, onChange})
 * → {el, select(key)}. `count` shows beside the label (in `tone` — warn, danger — when not zero);
 * `onChange(key)` follows the choice.
 */
export function tabs(items, { label, current, onChange, testid } = {}) {
  const base = `tabs-${++uid}`;
  const list = h('div', { class: 'tabs__list', role: 'tablist', 'aria-label': label, testid });
  const panels = h('div', { class: 'tabs__panels' });
  const built = new Map();
  const buttons = new Map();
  let active = null;

  async function select(key, { focus = false } = {}) {
    const item = items.find((i) => i.key === key) || items[0];
    if (!item) return;
    active = item.key;
    for (const [k, b] of buttons) {
      const on = k === item.key;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      b.classList.toggle('is-current', on);
    }
    if (focus) buttons.get(item.key).focus();
    for (const [k, panel] of built) panel.hidden = k !== item.key;
    if (onChange) onChange(item.key);
    if (built.has(item.key)) return;
    const panel = h('div', {
      class: 'tabs__panel', role: 'tabpanel', id: `${base}-${item.key}-panel`,
      'aria-labelledby': `${base}-${item.key}`, tabindex: '0', testid: item.testid ? `${item.testid}-panel` : null,
    });
    built.set(item.key, panel);
    panels.append(panel);
    const content = await item.render();
    replace(panel, content);
  }

  for (const item of items) {
    const button = h('button', {
      type: 'button', role: 'tab', id: `${base}-${item.key}`, class: 'tabs__tab',
      'aria-controls': `${base}-${item.key}-panel`, 'aria-selected': 'false', tabindex: '-1',
      testid: item.testid, onclick: () => select(item.key),
    }, h('span', {}, item.label),
    item.count != null ? h('span', {
      class: ['tabs__count', item.count === 0 && 'is-zero', item.count > 0 && item.tone && `tabs__count--${item.tone}`],
    }, String(item.count)) : null);
    buttons.set(item.key, button);
    list.append(button);
  }
  list.addEventListener('keydown', (event) => {
    const keys = items.map((i) => i.key);
    const at = keys.indexOf(active);
    let next = null;
    if (event.key === 'ArrowRight') next = keys[(at + 1) % keys.length];
    else if (event.key === 'ArrowLeft') next = keys[(at - 1 + keys.length) % keys.length];
    else if (event.key === 'Home') next = keys[0];
    else if (event.key === 'End') next = keys[keys.length - 1];
    if (next == null) return;
    event.preventDefault();
    select(next, { focus: true });
  });
  select(current && items.some((i) => i.key === current) ? current : items[0] && items[0].key);
  return { el: h('div', { class: 'tabs' }, list, panels), select };
}
