// The moderation page (R27, R31, R33): reports and held messages from the chats the person
// moderates (every chat, for the administrators), live; and, for the administrators, appeals
// against removals. Items that did not change keep their place and whatever is typed in them.

import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { watch } from '../events/topics.js';
import { isAdmin, orgPath } from '../session.js';
import { cardTitled, empty, errorBox, pageHeader, toast } from '../ui.js';
import { loadQueue, onQueue, queueState } from '../moderation/queue_state.js';
import { appealItem, heldItem, reportItem } from '../moderation/queue_items.js';

/**
 * Make `list` show `items` in order: an item whose data is unchanged keeps its element (and
 * the focus and the text in its form); only new or changed ones are built.
 */
function reconcile(list, items, keyOf, render) {
  const old = new Map([...list.children].map((el) => [el.dataset.key, el]));
  const wanted = items.map((item) => {
    const key = keyOf(item);
    const sig = JSON.stringify(item);
    const have = old.get(key);
    if (have && have.dataset.sig === sig) return have;
    const el = render(item);
    el.dataset.key = key;
    el.dataset.sig = sig;
    return el;
  });
  const keep = new Set(wanted);
  for (const el of [...list.children]) if (!keep.has(el)) el.remove();
  wanted.forEach((el, i) => {
    if (list.children[i] !== el) list.insertBefore(el, list.children[i] || null);
  });
}

function section(title, testid, emptyText) {
  const list = h('ul', { class: 'queue', testid });
  const none = empty(emptyText);
  const count = h('span', { class: 'nav__badge', hidden: true });
  const el = cardTitled(title, none, list);
  el.querySelector('.card__title').append(' ', count);
  return {
    el,
    show(items, keyOf, render) {
      reconcile(list, items, keyOf, render);
      none.hidden = items.length > 0;
      count.textContent = String(items.length);
      count.hidden = items.length === 0;
    },
  };
}

export async function moderationView(ctx) {
  const state = await loadQueue();
  if (!state.allowed) {
    return h('div', { class: 'stack stack--page' }, pageHeader(t('queue.title')),
      state.error ? errorBox(state.error) : h('p', { class: 'notice' }, t('queue.nothing_to_moderate')));
  }
  const done = (text) => {
    if (text) toast(text);
    return loadQueue();
  };
  const reports = section(t('queue.reports'), 'queue-reports', t('queue.no_reports'));
  const held = section(t('queue.held'), 'queue-held-list', t('queue.no_held'));
  const failure = h('div', {});
  const draw = () => {
    const { queue, error } = queueState();
    replace(failure, error ? errorBox(error) : '');
    if (!queue) return;
    reports.show(queue.reports || [], (item) => `m${item.message.id}`, (item) => reportItem(item, done));
    held.show(queue.held || [], (item) => `h${item.id}`, (item) => heldItem(item, done));
  };
  draw();
  ctx.onLeave(onQueue(draw));

  let appeals = null;
  if (isAdmin()) {
    appeals = section(t('appeals.title'), 'queue-appeals', t('appeals.none'));
    const loadAppeals = async () => {
      try {
        const answer = await get(orgPath('/appeals'));
        appeals.show(answer.appeals || [], (item) => `a${item.id}`, (item) => appealItem(item, async (text) => {
          toast(text);
          await loadAppeals();
        }));
      } catch (error) {
        replace(failure, errorBox(error));
      }
    };
    await loadAppeals();
    ctx.onLeave(watch('appeals', () => loadAppeals()));
  }
  return h('div', { class: 'stack stack--page', testid: 'moderation-page' },
    pageHeader(t('queue.title'), isAdmin() ? t('queue.lead_admin') : t('queue.lead')),
    failure, reports.el, held.el, appeals ? appeals.el : null);
}
