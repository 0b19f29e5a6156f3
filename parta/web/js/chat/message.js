// One message in the timeline: author, «forwarded», quote, formatted body, files, time, read
// marks or views, reactions, and its menu (reply, react, forward, edit, delete, pin, report).
// One's own message may wait for a moderator or carry the conduct filter's warning; notices
// (a rules reminder, an early-unblock proposal) are drawn by moderation/notices.js. A post the
// administration marked urgent says «Срочно» above its text (issue 14).

import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { personName } from '../ui.js';
import { attachmentsEl } from './attachments.js';
import { dayLabel, filesLabel, formatBody, fullWhen, plainText, timeOf } from './format.js';
import { conductWarning, heldState, highlighted } from '../moderation/conduct.js';
import { noticeEl } from '../moderation/notices.js';
import { callNoticeEl } from '../calls/notice.js';
import { lessonNoticeEl } from '../lessons/notice.js';
import { broadcastNoticeEl } from '../broadcasts/notice.js';
import { withAttendanceLink } from '../lessons/attendance.js';
import { materialCardEl } from '../materials/card.js';
import { pollCardEl } from '../polls/card.js';

export const REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏', '👏', '🔥', '✅', '👀'];
const EDIT_WINDOW_MS = 48 * 3600 * 1000;

const MORE = ['M5 12h.01', 'M12 12h.01', 'M19 12h.01'];
const CLOCK = ['M12 7v5l3 2', 'M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z'];
const ALERT = ['M12 8v5', 'M12 16h.01', 'M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z'];
const FORWARD = ['M14 5l7 7-7 7', 'M21 12H9a6 6 0 0 0-6 6v1'];
const EYE = ['M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z', 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z'];

let openMenu = null; // {el, toggle, close}

function closeOpenMenu() {
  if (openMenu) openMenu.close();
}

document.addEventListener('pointerdown', (event) => {
  if (openMenu && !openMenu.el.contains(event.target) && !openMenu.toggle.contains(event.target)) closeOpenMenu();
});

/** What may the viewer do with this message? */
export function abilities(msg, view) {
  const own = view.me === msg.author_id;
  const live = !msg.deleted && !msg.pending && !msg.failed && msg.id;
  return {
    // where the members only answer, they answer a post (a message answering nothing)
    reply: live && (view.canPost || (view.canReply && !msg.reply_to_id)),
    react: live && view.isMember && view.canReact,
    forward: live && view.isMember,
    edit: live && own && (view.canPost || view.canReply) && msg.kind !== 'poll' && Date.now() - new Date(msg.created_at).getTime() < EDIT_WINDOW_MS,
    remove: live && (own || view.canModerate),
    pin: live && view.canPin,
    pinned: live && view.isPinned(msg.id),
    report: live && !own && view.isMember && (msg.kind || 'text') === 'text' && Boolean(msg.author_id),
    requireAck: live && own && Boolean(view.canRequireAck && view.canRequireAck(msg)),
  };
}

function readMark(msg, view) {
  if (msg.read_of == null || msg.deleted || msg.read_of === 0) return null;
  const text = msg.read_of === 1
    ? (msg.read_by ? t('chat.read_direct') : t('chat.delivered'))
    : t('chat.read_by', { count: msg.read_by || 0, total: msg.read_of });
  // Staff get the readers' ids: their names show on hover when all of them are known here.
  const names = (msg.read_by_ids || []).map((id) => view.nameOf(id));
  const title = names.length && names.every(Boolean) ? names.join(', ') : null;
  return h('span', {
    class: ['msg__read', msg.read_by ? 'is-read' : null], testid: 'message-read', title,
  },
    h('span', { 'aria-hidden': 'true' }, msg.read_by ? '✓✓ ' : '✓ '), text);
}

function meta(msg, view) {
  const parts = [];
  if (msg.edited_at && !msg.deleted) parts.push(h('span', { class: 'msg__edited' }, t('chat.edited')));
  if (msg.held) {
    parts.push(...heldState(msg, view));
  } else if (msg.warning) {
    parts.push(h('span', { class: 'msg__state msg__state--failed' }, icon(ALERT), t('conduct.not_sent')));
  } else if (msg.pending) {
    parts.push(h('span', { class: 'msg__state', testid: 'message-pending', title: t('chat.sending') },
      icon(CLOCK, t('chat.sending'))));
  } else if (msg.failed) {
    parts.push(h('span', { class: 'msg__state msg__state--failed', testid: 'message-failed' },
      icon(ALERT), msg.failed),
    msg.noRetry ? null : h('button', { type: 'button', class: 'msg__inline-btn', testid: 'message-retry', onclick: () => view.onRetry(msg) }, t('chat.retry')),
    h('button', { type: 'button', class: 'msg__inline-btn', onclick: () => view.onDiscard(msg) }, t('chat.discard')));
  } else {
    parts.push(h('time', { datetime: msg.created_at, title: fullWhen(msg.created_at) }, timeOf(msg.created_at)));
  }
  if (msg.views != null && !msg.deleted && !msg.pending) {
    const label = t('chat.views', { count: msg.views });
    parts.unshift(h('span', { class: 'msg__views', testid: 'message-views', title: label },
      icon(EYE), h('span', { 'aria-hidden': 'true' }, String(msg.views)), h('span', { class: 'visually-hidden' }, label)));
  }
  if (view.me === msg.author_id && msg.id && !msg.pending && !msg.failed) parts.push(readMark(msg, view));
  return h('div', { class: 'msg__meta' }, parts);
}

function quote(msg, view) {
  if (!msg.reply_to_id || msg.deleted) return null;
  const original = view.quoteOf(msg.reply_to_id);
  const author = original ? (original.author && original.author.name) || view.nameOf(original.author_id) : null;
  const text = !original ? t('chat.quote_loading') : original.deleted ? t('chat.deleted') : plainText(original.body, 120) || filesLabel(original);
  return h('button', {
    type: 'button', class: 'msg__quote', testid: 'message-quote', onclick: () => view.onJump(msg.reply_to_id),
  },
  author ? h('span', { class: 'msg__quote-author' }, author) : null,
  h('span', { class: 'msg__quote-text' }, text));
}

function reactions(msg, view) {
  const counts = Object.entries(msg.reactions || {}).filter(([, n]) => n > 0);
  if (!counts.length || msg.deleted) return null;
  const mine = new Set(msg.my_reactions || []);
  return h('div', { class: 'msg__reactions' }, counts.map(([emoji, n]) => h('button', {
    type: 'button',
    class: ['reaction', mine.has(emoji) && 'is-mine'],
    'aria-pressed': mine.has(emoji) ? 'true' : 'false',
    'aria-label': t('chat.reaction_label', { emoji, count: n }),
    testid: 'reaction',
    disabled: !view.isMember,
    onclick: () => view.onReact(msg, emoji, !mine.has(emoji)),
  }, h('span', { class: 'reaction__emoji' }, emoji), h('span', { class: 'reaction__count' }, String(n)))));
}

/** Below the toggle if it fits, else above; kept inside the window. */
function place(menu, toggle, alignRight) {
  const at = toggle.getBoundingClientRect();
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  const room = window.innerHeight - at.bottom;
  let top = room >= height + 8 ? at.bottom + 4 : at.top - height - 4;
  top = Math.max(8, Math.min(top, window.innerHeight - height - 8));
  let left = alignRight ? at.right - width : at.left;
  left = Math.max(8, Math.min(left, window.innerWidth - width - 8));
  menu.style.top = `${Math.round(top)}px`;
  menu.style.left = `${Math.round(left)}px`;
}

function menuItem(label, onclick, testid, danger) {
  return h('button', { type: 'button', role: 'menuitem', class: ['menu__item', danger && 'menu__item--danger'], onclick, testid }, label);
}

function openMessageMenu(li, toggle, msg, view) {
  closeOpenMenu();
  const can = abilities(msg, view);
  const act = (fn) => () => {
    closeOpenMenu();
    fn();
  };
  const palette = can.react ? h('div', { class: 'menu__reactions', role: 'group', 'aria-label': t('chat.react') },
    REACTIONS.map((emoji) => {
      const on = (msg.my_reactions || []).includes(emoji);
      return h('button', {
        type: 'button', role: 'menuitemcheckbox', 'aria-checked': on ? 'true' : 'false', class: ['menu__emoji', on && 'is-mine'],
        testid: 'react-option', 'aria-label': emoji, onclick: act(() => view.onReact(msg, emoji, !on)),
      }, emoji);
    })) : null;
  const menu = h('div', { class: 'menu', role: 'menu', 'aria-label': t('chat.message_actions'), testid: 'message-menu' },
    palette,
    can.reply ? menuItem(t('chat.reply'), act(() => view.onReply(msg)), 'message-reply') : null,
    can.forward ? menuItem(t('chat.forward'), act(() => view.onForward(msg)), 'message-forward') : null,
    can.edit ? menuItem(t('chat.edit'), act(() => view.onEdit(msg)), 'message-edit') : null,
    can.pin ? menuItem(can.pinned ? t('chat.unpin') : t('chat.pin'), act(() => view.onPin(msg, !can.pinned)), 'message-pin') : null,
    can.requireAck ? menuItem(t('acks.needs'), act(() => view.onRequireAck(msg)), 'message-require-ack') : null,
    msg.body ? menuItem(t('chat.copy'), act(() => view.onCopy(msg)), 'message-copy') : null,
    can.report ? menuItem(t('report.action'), act(() => view.onReport(msg)), 'message-report') : null,
    can.remove ? menuItem(t('chat.delete'), act(() => view.onDelete(msg)), 'message-delete', true) : null);
  // The menu floats above the page (fixed), so the scrolling timeline never clips it.
  document.body.append(menu);
  place(menu, toggle, view.me === msg.author_id);
  li.classList.add('has-menu');
  toggle.setAttribute('aria-expanded', 'true');
  const close = () => {
    menu.remove();
    li.classList.remove('has-menu');
    toggle.setAttribute('aria-expanded', 'false');
    if (openMenu && openMenu.el === menu) openMenu = null;
  };
  menu.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      close();
      toggle.focus();
    } else if (['ArrowDown', 'ArrowUp', 'ArrowRight', 'ArrowLeft'].includes(event.key)) {
      event.preventDefault();
      const buttons = [...menu.querySelectorAll('button')];
      const step = event.key === 'ArrowDown' || event.key === 'ArrowRight' ? 1 : -1;
      const next = (buttons.indexOf(document.activeElement) + step + buttons.length) % buttons.length;
      buttons[next].focus();
    }
  });
  menu.addEventListener('focusout', (event) => {
    if (event.relatedTarget && !menu.contains(event.relatedTarget)) close();
  });
  openMenu = { el: menu, toggle, close, alignRight: view.me === msg.author_id };
  const first = menu.querySelector('button');
  if (first) first.focus({ preventScroll: true });
}

/** Build the <li> for a message. `view` carries who is looking and the callbacks. */
export function messageEl(msg, view) {
  if (msg.kind === 'call' && !msg.deleted) return withAttendanceLink(callNoticeEl(msg), msg, view);
  if (msg.kind === 'lesson' && !msg.deleted) return lessonNoticeEl(msg);
  if (msg.kind === 'material' && !msg.deleted) return materialCardEl(msg, view);
  if (msg.kind === 'broadcast' && !msg.deleted) return broadcastNoticeEl(msg);
  if (msg.kind && msg.kind !== 'text' && msg.kind !== 'poll' && !msg.deleted) return noticeEl(msg, view);
  const own = view.me === msg.author_id;
  const author = msg.author || (msg.author_id ? { id: msg.author_id, name: view.nameOf(msg.author_id) || t('chat.someone') } : null);
  const files = msg.deleted ? null : attachmentsEl(msg.attachments);
  let body = null;
  if (msg.deleted) body = h('p', { class: 'msg__body msg__body--deleted', testid: 'message-body' }, t('chat.deleted'));
  else if (msg.kind === 'poll' && msg.id) body = pollCardEl(msg);
  else if (msg.warning) body = h('p', { class: 'msg__body', testid: 'message-body' }, highlighted(msg.body, msg.warning.matches));
  else if (msg.body || !files) body = h('p', { class: 'msg__body', testid: 'message-body' }, formatBody(msg.body));
  const forwarded = msg.forwarded_from_id && !msg.deleted
    ? h('div', { class: 'msg__forwarded', testid: 'message-forwarded' }, icon(FORWARD), t('chat.forwarded'))
    : null;
  // Marked urgent by the administration: a word, not a colour alone, so a screen reader says it
  // before the text (and the live region says it when the mark comes while the chat is open).
  const urgent = msg.urgent && !msg.deleted
    ? h('div', { class: 'msg__urgent', testid: 'message-urgent' }, icon(ALERT), t('chat.urgent'))
    : null;
  const bubble = h('div', { class: ['msg__bubble', files && 'msg__bubble--files'] },
    own ? null : h('div', { class: 'msg__author', testid: 'message-author' }, personName(author)),
    urgent,
    forwarded,
    quote(msg, view),
    files,
    body,
    meta(msg, view));
  const li = h('li', {
    class: ['msg', own && 'msg--own', msg.pending && 'msg--pending', msg.failed && 'msg--failed', msg.deleted && 'msg--deleted',
      msg.held && 'msg--held', msg.warning && 'msg--warned', urgent && 'msg--urgent'],
    testid: 'message',
    dataset: { id: msg.id ? String(msg.id) : '', clientId: msg.client_id || '', author: String(msg.author_id || '') },
  },
  h('div', { class: 'msg__day', role: 'separator' }, h('span', {}, dayLabel(msg.created_at))),
  h('div', { class: 'msg__unread', role: 'separator' }, h('span', {}, t('chat.new_messages'))),
  h('div', { class: 'msg__row' }, h('div', { class: 'msg__content' }, bubble, reactions(msg, view),
    msg.warning ? conductWarning(msg, view) : null)));
  const can = abilities(msg, view);
  if (can.reply || can.react || can.forward || can.remove || can.edit || can.pin || can.report) {
    const toggle = h('button', {
      type: 'button', class: 'msg__more', 'aria-haspopup': 'menu', 'aria-expanded': 'false',
      'aria-label': t('chat.message_actions'), testid: 'message-more',
    }, icon(MORE));
    toggle.addEventListener('click', () => {
      if (openMenu && openMenu.toggle === toggle) closeOpenMenu();
      else openMessageMenu(li, toggle, msg, view);
    });
    li.querySelector('.msg__row').append(toggle);
    onLongPress(bubble, () => {
      if (!(openMenu && openMenu.toggle === toggle)) openMessageMenu(li, toggle, msg, view);
    });
  }
  return li;
}

const LONG_PRESS_MS = 480;
const LONG_PRESS_SLOP = 10; // px a finger may wander and still be holding, not scrolling

/** On a touch screen, holding a finger on a message opens its menu, as in other messengers
 * (the «···» stays for everyone else and for the keyboard). A finger that moves is scrolling;
 * the phone's own long-press menu gives way to ours. */
function onLongPress(el, fire) {
  let timer = null;
  let from = null;
  let fired = false;
  const cancel = () => {
    clearTimeout(timer);
    timer = null;
  };
  el.addEventListener('pointerdown', (event) => {
    if (event.pointerType !== 'touch' || !event.isPrimary) return;
    if (event.target.closest('a, button, input, textarea, video, audio')) return;
    cancel();
    fired = false;
    from = [event.clientX, event.clientY];
    timer = setTimeout(() => {
      timer = null;
      fired = true;
      if (navigator.vibrate) navigator.vibrate(10);
      fire();
    }, LONG_PRESS_MS);
  });
  el.addEventListener('pointermove', (event) => {
    if (timer && Math.hypot(event.clientX - from[0], event.clientY - from[1]) > LONG_PRESS_SLOP) cancel();
  });
  for (const type of ['pointerup', 'pointercancel', 'pointerleave']) el.addEventListener(type, cancel);
  el.addEventListener('contextmenu', (event) => {
    if (timer || fired) event.preventDefault();
  });
}

// A fixed menu follows its message while the timeline scrolls, and closes when it leaves.
window.addEventListener('resize', closeOpenMenu);
document.addEventListener('scroll', (event) => {
  if (!openMenu || openMenu.el.contains(event.target)) return;
  const at = openMenu.toggle.getBoundingClientRect();
  if (!openMenu.toggle.isConnected || at.bottom < 0 || at.top > window.innerHeight) closeOpenMenu();
  else place(openMenu.el, openMenu.toggle, openMenu.alignRight);
}, true);

export { closeOpenMenu };
