// One chat: header, pinned bar, the timeline with history upwards, live changes from the event
// stream, read marks, and the composer (or the note that only moderators write here).

import { del, get, patch, post, put } from '../api.js';
import { h, icon, ICONS } from '../dom.js';
import { t, tn } from '../i18n.js';
import { navigate } from '../router.js';
import { session } from '../session.js';
import { on } from '../realtime.js';
import { confirmDialog, copyText, errorBox, loading, pageHeader, toast } from '../ui.js';
import { chatListPanel, chatAvatar } from '../chat/list.js';
import { createComposer } from '../chat/composer.js';
import { messageEl } from '../chat/message.js';
import { createPinnedBar } from '../chat/pinned.js';
import { createSender } from '../chat/sender.js';
import { createTimeline } from '../chat/timeline.js';
import { plainText } from '../chat/format.js';
import {
  canPost, isModerator, nameOf, readLocally, rememberPeople, setOpenChat,
} from '../chat/store.js';

const PAGE = 50;
const PEOPLE = ['M16 19v-1a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v1', 'M9 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6', 'M22 19v-1a4 4 0 0 0-3-3.9', 'M16 4.1a3 3 0 0 1 0 5.8'];
const GEAR = ['M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z', 'M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z'];
const DOWN = ['M12 5v14', 'M5 12l7 7 7-7'];


/** The header: back (on phones), avatar, title, members, settings. */
function chatHeader(chat) {
  const moderator = isModerator(chat);
  const kind = chat.kind === 'direct' ? null : t(`chat_kinds.${chat.kind}`);
  return h('header', { class: 'chat__header' },
    h('a', { href: '/chats', class: 'chat__back', 'aria-label': t('chat.back'), testid: 'chat-back' }, icon(ICONS.back)),
    chatAvatar(chat, 'avatar--small'),
    h('div', { class: 'chat__heading' },
      h('h1', { class: 'chat__title', tabindex: '-1', testid: 'chat-heading' }, chat.title || t('chats.untitled')),
      h('p', { class: 'chat__sub' }, chat.kind === 'direct' ? t('chat_kinds.direct') : [
        h('a', { href: `/chats/${chat.id}/members`, testid: 'chat-members-link' }, tn('chat.members_count', chat.members_count || 0)),
        kind && kind !== chat.title ? h('span', {}, ` · ${kind}`) : null])),
    h('div', { class: 'chat__actions' },
      h('a', { href: `/chats/${chat.id}/members`, class: 'icon-btn', 'aria-label': t('chat.members'), title: t('chat.members'), testid: 'chat-members' }, icon(PEOPLE)),
      moderator && chat.kind !== 'direct'
        ? h('a', { href: `/chats/${chat.id}/settings`, class: 'icon-btn', 'aria-label': t('chat.settings'), title: t('chat.settings'), testid: 'chat-settings' }, icon(GEAR))
        : null));
}

const headerKey = (chat) => JSON.stringify([chat.title, chat.members_count, chat.kind, chat.my_role]);

function bottomPart(chat, composer) {
  if (chat.archived) return h('p', { class: 'chat__readonly', testid: 'chat-readonly' }, t('chat.archived'));
  if (!canPost(chat)) return h('p', { class: 'chat__readonly', testid: 'chat-readonly' }, t('chat.moderators_only'));
  return composer.el;
}

function rulesNotice(chat) {
  if (!chat.rules || (chat.rules_accepted_version || 0) >= chat.rules_version) return null;
  return h('p', { class: 'chat__notice', testid: 'rules-changed' }, t('chat.rules_changed'), ' ',
    h('a', { href: `/chats/${chat.id}/members#rules` }, t('chat.read_rules')));
}

function notFound(error) {
  return h('div', { class: 'stack stack--page chat-missing' },
    h('p', {}, h('a', { href: '/chats', class: 'back-link' }, '← ', t('chats.title'))),
    pageHeader(error && error.status === 404 ? t('chat.not_found') : t('errors.page_title')),
    error && error.status === 404 ? h('p', { class: 'lead' }, t('chat.not_found_text')) : errorBox(error));
}

export async function chatView(ctx) {
  const chatId = Number(ctx.params.id);
  ctx.main.classList.add('main--chat');
  let chat;
  let first;
  try {
    chat = await get(`/chats/${chatId}`);
    if (!chat.my_role) {
      navigate(`/chats/${chatId}/join`, { replace: true }); // invited, not joined: the rules first
      return loading();
    }
    first = await get(`/chats/${chatId}/messages?limit=${PAGE}`);
  } catch (error) {
    ctx.main.classList.remove('main--chat');
    return notFound(error);
  }
  if (!ctx.isCurrent()) return h('div', {}); // the person went elsewhere meanwhile: subscribe to nothing
  const me = session.user.id;
  const people = new Map(); // author id → Person
  const extra = new Map(); // messages outside the timeline (quotes, pins) by id
  const loadingOne = new Set();
  const stops = [];
  let nextBefore = first.next_before_id;
  let olderBusy = false;
  let ready = false;
  let readSent = chat.last_read_message_id || 0;
  let readWanted = 0;
  let unseen = 0;

  const learn = (msgs) => {
    for (const m of msgs) if (m.author) people.set(m.author.id, m.author);
    rememberPeople(msgs.map((m) => m.author));
  };
  const decorate = (m) => {
    const known = timeline.get(m.id) || {};
    const own = m.author_id === me;
    return {
      reactions: {}, my_reactions: [], ...known, ...m,
      author: m.author || people.get(m.author_id) || known.author || null,
      read_by: m.read_by ?? known.read_by ?? (own ? 0 : undefined),
      read_of: m.read_of ?? known.read_of ?? (own ? Math.max((chat.members_count || 1) - 1, 0) : undefined),
    };
  };
  const messageOf = (id) => timeline.get(id) || extra.get(id) || null;

  async function fetchOne(id) {
    const page = await get(`/chats/${chatId}/messages?around_id=${id}&limit=1`);
    const found = (page.messages || []).find((m) => m.id === id) || null;
    if (found) learn([found]);
    return found;
  }

  /** A quoted or pinned message that is not loaded: fetch it once, then redraw who shows it. */
  function loadOne(id) {
    if (loadingOne.has(id) || extra.has(id)) return;
    loadingOne.add(id);
    fetchOne(id).then((m) => {
      extra.set(id, m || { id, deleted: true, body: '' });
      redrawQuotesOf(id);
      pinnedBar.redraw();
    }).catch(() => loadingOne.delete(id));
  }

  function redrawQuotesOf(id) {
    for (const m of timeline.messages()) if (m.reply_to_id === id) timeline.update(m);
  }

  function changeMessage(id, change) {
    const msg = messageOf(id);
    if (!msg) return;
    const next = { ...msg, ...change(msg) };
    if (timeline.get(id)) timeline.update(next);
    else extra.set(id, next);
    redrawQuotesOf(id);
    if (pinnedBar.has(id)) pinnedBar.redraw();
  }

  const actions = {
    me,
    isMember: true,
    get canPost() { return canPost(chat); },
    get canModerate() { return isModerator(chat); },
    get canPin() { return isModerator(chat) || chat.kind === 'direct'; },
    isPinned: (id) => (chat.pinned || []).includes(id),
    nameOf: (id) => (people.get(id) || {}).name || nameOf(id),
    quoteOf(id) {
      const m = messageOf(id);
      if (!m) loadOne(id);
      return m;
    },
    onReply: (msg) => composer.reply(msg, msg.author ? msg.author.name : actions.nameOf(msg.author_id)),
    onEdit: (msg) => composer.edit(msg),
    async onDelete(msg) {
      if (!(await confirmDialog(t('chat.delete_confirm'), { confirmLabel: t('chat.delete') }))) return;
      try {
        await del(`/chats/${chatId}/messages/${msg.id}`);
        changeMessage(msg.id, () => ({ deleted: true, body: '', reactions: {} }));
      } catch (error) {
        toast(error.message, 'error');
      }
    },
    async onReact(msg, emoji, add) {
      try {
        const path = `/chats/${chatId}/messages/${msg.id}/reactions/${encodeURIComponent(emoji)}`;
        const answer = add ? await put(path) : await del(path);
        changeMessage(msg.id, (m) => {
          const mine = new Set(m.my_reactions || []);
          if (add) mine.add(emoji);
          else mine.delete(emoji);
          return { reactions: answer.reactions || {}, my_reactions: [...mine] };
        });
      } catch (error) {
        toast(error.message, 'error');
      }
    },
    async onPin(msg, pin) {
      try {
        const answer = pin ? await post(`/chats/${chatId}/pins`, { message_id: msg.id }) : await del(`/chats/${chatId}/pins/${msg.id}`);
        chat.pinned = answer.pinned || [];
        pinnedBar.set(chat.pinned);
        toast(pin ? t('chat.pinned_done') : t('chat.unpinned_done'));
      } catch (error) {
        toast(error.message, 'error');
      }
    },
    async onCopy(msg) {
      if (await copyText(msg.body)) toast(t('chat.copied'));
    },
    onJump: (id) => jumpTo(id),
    onRetry: (msg) => sender.retry(msg),
    onDiscard: (msg) => sender.discard(msg),
  };

  const timeline = createTimeline({
    render: (msg) => messageEl(msg, actions),
    onOlder: () => loadOlder(),
    onSeen: (id) => seen(id),
    onScroll: () => updateJump(),
  });
  const sender = createSender({ chatId, me, timeline, decorate });
  const composer = createComposer({
    chatId,
    onSubmit: async (text, { replyTo, editing }) => {
      if (!editing) {
        sender.send(text, replyTo);
        return;
      }
      try {
        const answer = await patch(`/chats/${chatId}/messages/${editing.id}`, { body: text });
        changeMessage(editing.id, () => ({ body: answer.body, edited_at: answer.edited_at }));
      } catch (error) {
        toast(error.message, 'error');
        throw error; // the composer puts the text back
      }
    },
  });
  const pinnedBar = createPinnedBar({
    messageOf,
    load: loadOne,
    onJump: (id) => jumpTo(id),
    onUnpin: isModerator(chat) || chat.kind === 'direct' ? (id) => actions.onPin({ id }, false) : null,
  });
  const jump = h('button', {
    type: 'button', class: 'chat__jump', hidden: true, testid: 'jump-down', 'aria-label': t('chat.to_newest'), title: t('chat.to_newest'),
    onclick: () => {
      timeline.scrollToBottom();
      updateJump();
    },
  }, icon(DOWN), h('span', { class: 'chat__jump-count' }));
  const announcer = h('div', { class: 'visually-hidden', 'aria-live': 'polite', testid: 'chat-announcer' });
  const header = h('div', {}, chatHeader(chat));
  const notice = h('div', {}, rulesNotice(chat));
  const bottom = h('div', { class: 'chat__bottom' }, bottomPart(chat, composer));

  learn(first.messages || []);
  timeline.append([...(first.messages || [])].reverse().map(decorate));
  if (!nextBefore) timeline.setLoading('start');
  pinnedBar.set(chat.pinned || []);

  function updateJump() {
    const near = timeline.nearBottom();
    if (near) unseen = 0;
    jump.hidden = near;
    jump.querySelector('.chat__jump-count').textContent = unseen ? String(unseen) : '';
  }

  function seen(id) {
    readWanted = Math.max(readWanted, id);
    flushRead();
  }

  function flushRead() {
    if (!ready || document.visibilityState !== 'visible' || readWanted <= readSent) return;
    readSent = readWanted;
    readLocally(chatId, readSent);
    post(`/chats/${chatId}/read`, { message_id: readSent }).catch(() => {
      readSent = Math.min(readSent, chat.last_read_message_id || 0); // try again on the next look
    });
  }

  async function loadOlder() {
    if (!ready || olderBusy || !nextBefore) return;
    olderBusy = true;
    timeline.setLoading('loading');
    try {
      const page = await get(`/chats/${chatId}/messages?before_id=${nextBefore}&limit=${PAGE}`);
      learn(page.messages || []);
      timeline.prepend([...(page.messages || [])].reverse().map(decorate));
      nextBefore = page.next_before_id;
      timeline.setLoading(nextBefore ? '' : 'start');
    } catch {
      timeline.setLoading('');
    } finally {
      olderBusy = false;
    }
    if (nextBefore && ctx.isCurrent() && timeline.el.scrollTop < 300) requestAnimationFrame(() => loadOlder());
  }

  /** Show a message, loading older pages (a few at most) until it is there. */
  async function jumpTo(id) {
    for (let pages = 0; !timeline.has(id) && nextBefore && pages < 10; pages += 1) {
      while (olderBusy) await new Promise((resolve) => { setTimeout(resolve, 50); });
      await loadOlder();
    }
    if (!timeline.reveal(id)) toast(t('chat.too_old'));
  }

  /**
   * After a gap in the stream: fetch what came meanwhile, and the chat itself. A first
   * connection (`fresh`) only closes the short window between our fetch and its start.
   */
  async function catchUp(fresh) {
    try {
      let after = timeline.newestId();
      for (let guard = 0; guard < 20; guard += 1) {
        const page = await get(`/chats/${chatId}/messages?${after ? `after_id=${after}&` : ''}limit=100`);
        const msgs = [...(page.messages || [])].reverse();
        learn(msgs);
        for (const m of msgs) if (!(m.author_id === me && sender.arrived(m))) timeline.append([decorate(m)]);
        if (msgs.length < 100 || !after) break;
        after = msgs[msgs.length - 1].id;
      }
      if (fresh) return;
      await refreshChat();
      await refreshRecent();
    } catch {
      /* the next reconnect tries again */
    }
  }

  async function refreshChat() {
    const fresh = await get(`/chats/${chatId}`);
    if (!fresh.my_role) {
      navigate('/chats', { replace: true });
      return;
    }
    const couldPost = canPost(chat);
    const shownBefore = headerKey(chat);
    chat = fresh;
    if (headerKey(chat) !== shownBefore) header.replaceChildren(chatHeader(chat));
    notice.replaceChildren(rulesNotice(chat) || '');
    pinnedBar.set(chat.pinned || []);
    if (couldPost !== canPost(chat)) bottom.replaceChildren(bottomPart(chat, composer));
  }

  /**
   * Draw the newest page again where it differs: reads of my own messages are not events, and
   * after a gap in the stream edits, deletions and reactions may have been missed too.
   */
  async function refreshRecent() {
    const page = await get(`/chats/${chatId}/messages?limit=${PAGE}`);
    for (const m of page.messages || []) {
      const have = timeline.get(m.id);
      if (!have) continue;
      const fresh = { ...have, ...m, author: m.author || have.author };
      const keys = ['body', 'edited_at', 'deleted', 'reactions', 'my_reactions', 'read_by', 'read_of', 'read_by_ids'];
      if (keys.some((k) => JSON.stringify(have[k]) !== JSON.stringify(fresh[k]))) timeline.update(fresh);
    }
  }

  let readsTimer = null;
  function refreshReadsSoon(delay = 1500) {
    clearTimeout(readsTimer);
    readsTimer = setTimeout(() => {
      if (document.visibilityState !== 'visible' || !ctx.isCurrent()) return;
      refreshRecent().catch(() => { /* shown again on the next look */ });
    }, delay);
  }
  const readsInterval = setInterval(() => {
    const waiting = timeline.messages().some((m) => m.author_id === me && m.id && m.read_by < m.read_of);
    if (waiting) refreshReadsSoon(0);
  }, 30_000);

  function onNew(event) {
    if (event.chat_id !== chatId) return;
    const m = event.message;
    if (!m || timeline.has(m.id)) return;
    if (m.author_id === me && sender.arrived(m)) return;
    const show = (full) => {
      if (!ctx.isCurrent() || timeline.has(m.id)) return;
      const wasNear = timeline.append([decorate(full)], { stick: m.author_id === me });
      if (m.author_id !== me) {
        if (!wasNear) unseen += 1;
        announcer.textContent = `${actions.nameOf(m.author_id) || ''}: ${plainText(m.body, 200)}`;
        refreshReadsSoon();
      }
      updateJump();
    };
    if (m.author_id && m.author_id !== me && !people.has(m.author_id)) fetchOne(m.id).then((full) => show(full || m)).catch(() => show(m));
    else show(m);
  }

  stops.push(
    on('message.new', onNew),
    on('message.edited', (e) => e.chat_id === chatId && changeMessage(e.message_id, () => ({ body: e.body, edited_at: e.edited_at }))),
    on('message.deleted', (e) => e.chat_id === chatId && changeMessage(e.message_id, () => ({ deleted: true, body: '', reactions: {} }))),
    on('message.reactions', (e) => e.chat_id === chatId && changeMessage(e.message_id, (m) => ({
      reactions: e.reactions, my_reactions: (m.my_reactions || []).filter((x) => (e.reactions || {})[x] > 0),
    }))),
    on('chat.pins', (e) => {
      if (e.chat_id !== chatId) return;
      chat.pinned = e.pinned || [];
      pinnedBar.set(chat.pinned);
    }),
    on('chat.changed', (e) => e.chat_id === chatId && refreshChat().catch(() => {})),
    on('chat.member', (e) => {
      if (e.chat_id !== chatId) return;
      if (e.user_id === me && (e.change === 'left' || e.change === 'removed')) {
        toast(t('chat.you_left'));
        navigate('/chats', { replace: true });
        return;
      }
      refreshChat().catch(() => {});
    }),
    on('resync', (why) => catchUp(why && why.reason === 'fresh')),
    on('status', (status) => {
      if (status === 'live') sender.retryAll();
    }),
  );
  const onVisible = () => {
    if (document.visibilityState === 'visible') {
      flushRead();
      refreshReadsSoon(300);
    }
  };
  document.addEventListener('visibilitychange', onVisible);

  setOpenChat(chatId);
  const panel = chatListPanel({ currentId: chatId, heading: 'h2' });
  ctx.onLeave(() => {
    stops.forEach((stop) => stop());
    document.removeEventListener('visibilitychange', onVisible);
    clearTimeout(readsTimer);
    clearInterval(readsInterval);
    timeline.destroy();
    sender.destroy();
    panel.destroy();
    setOpenChat(null);
  });

  // Once on screen: start at the first unread message, or at the bottom.
  requestAnimationFrame(() => {
    if (!ctx.isCurrent()) return;
    const firstUnread = timeline.markUnread(chat.last_read_message_id || 0, me, !nextBefore);
    if (firstUnread) firstUnread.scrollIntoView({ block: 'start' });
    else timeline.scrollToBottom();
    ready = true;
    flushRead();
    updateJump();
    if (timeline.el.scrollTop < 300) loadOlder();
    if (window.matchMedia('(pointer: fine)').matches && canPost(chat)) composer.focus();
  });

  return h('div', { class: 'messenger', dataset: { pane: 'chat' }, testid: 'chat-page' },
    h('aside', { class: 'messenger__list', 'aria-label': t('chats.title') }, panel.el),
    h('section', { class: 'chat', testid: 'chat', dataset: { chatId: String(chatId) } },
      header, pinnedBar.el, notice,
      h('div', { class: 'chat__scroll' }, timeline.el, jump),
      bottom, announcer));
}
