// One chat: header, pinned bar, the timeline (history above, or around a message jumped to),
// live changes from the event stream, read marks and channel views, who is typing, search in
// the chat, and the composer with files (or the note that only moderators write here, or a
// blocked member's banner). Moderation in the chat lives in moderation/in_chat.js.

import { del, get, post, put } from '../api.js';
import { h, icon } from '../dom.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { session } from '../session.js';
import { on } from '../realtime.js';
import { confirmDialog, copyText, loading, toast } from '../ui.js';
import { callBanner } from '../calls/call.js';
import { chatListPanel } from '../chat/list.js';
import { createViewReporter } from '../chat/channel_views.js';
import { acceptDrops, createComposer } from '../chat/composer.js';
import { forwardMessage } from '../chat/forward.js';
import {
  bottomKey, bottomPart, chatHeader, headerKey, notFound, rulesNotice,
} from '../chat/header.js';
import { createHistory, PAGE } from '../chat/history.js';
import { messageEl } from '../chat/message.js';
import { createPinnedBar } from '../chat/pinned.js';
import { createSearch } from '../chat/search.js';
import { createSender } from '../chat/sender.js';
import { createTimeline } from '../chat/timeline.js';
import { createTyping } from '../chat/typing.js';
import { filesLabel, plainText } from '../chat/format.js';
import { chatModeration } from '../moderation/in_chat.js';
import {
  canPost, isChannel, isModerator, nameOf, readLocally, rememberPeople, setOpenChat,
} from '../chat/store.js';

const DOWN = ['M12 5v14', 'M5 12l7 7 7-7'];

export async function chatView(ctx) {
  const chatId = Number(ctx.params.id);
  ctx.main.classList.add('main--chat');
  let aroundId = Number(ctx.query.message) || null; // opened from a search result
  let chat;
  let first;
  try {
    chat = await get(`/chats/${chatId}`);
    if (!chat.my_role) {
      navigate(`/chats/${chatId}/join`, { replace: true }); // invited, not joined: the rules first
      return loading();
    }
    if (aroundId) {
      first = await get(`/chats/${chatId}/messages?around_id=${aroundId}&limit=${PAGE}`);
      if (!(first.messages || []).some((m) => m.id === aroundId)) aroundId = null;
    }
    if (!aroundId) first = await get(`/chats/${chatId}/messages?limit=${PAGE}`);
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
  const channel = isChannel(chat);
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
      views: m.views ?? known.views ?? (channel ? 0 : undefined),
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
    get blocked() { return Boolean(chat.my_block); },
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
    onForward: (msg) => forwardMessage(msg),
    onJump: (id) => jumpTo(id),
    onRetry: (msg) => sender.retry(msg),
    onDiscard: (msg) => sender.discard(msg),
  };

  const timeline = createTimeline({
    render: (msg) => messageEl(msg, actions),
    onOlder: () => pages.loadOlder(),
    onNewer: () => pages.loadNewer(),
    onSeen: (id, ids) => seen(id, ids),
    onScroll: () => updateJump(),
  });
  const pages = createHistory({
    chatId, timeline, learn, decorate, ready: () => ready, current: () => ctx.isCurrent(),
  });
  const sender = createSender({ chatId, me, timeline, decorate, onBlocked: () => refreshChat().catch(() => {}) });
  const typing = createTyping({
    chatId,
    me,
    nameOf: actions.nameOf,
    async loadNames() {
      const answer = await get(`/chats/${chatId}/members`);
      const persons = (answer.members || []).map((m) => m.user).filter(Boolean);
      for (const p of persons) people.set(p.id, p);
      rememberPeople(persons);
    },
  });
  const views = channel ? createViewReporter({
    chatId,
    onRecorded: (ids) => ids.forEach((id) => changeMessage(id, (m) => ({ views: (m.views || 0) + 1 }))),
  }) : null;
  const composer = createComposer({
    chatId,
    onTyping: () => typing.typed(),
    onSubmit: async (text, { replyTo, editing, attachments }) => {
      if (!editing) {
        if (!pages.liveEnd) {
          await pages.goLive().catch(() => {}); // what is sent shows at the end of the chat
        }
        typing.sent();
        sender.send(text, replyTo, attachments);
        updateJump();
        return;
      }
      try {
        const answer = await moderation.edit(editing.id, text);
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
    onclick: () => pages.goLive().then(updateJump, () => toast(t('errors.network'), 'error')),
  }, icon(DOWN), h('span', { class: 'chat__jump-count' }));
  const announcer = h('div', { class: 'visually-hidden', 'aria-live': 'polite', testid: 'chat-announcer' });
  const search = createSearch({
    chatId,
    onPick: (result) => {
      search.hide();
      jumpTo(result.id);
    },
    onClose: () => closeSearch(),
  });
  search.results.classList.add('search-results--over');
  timeline.el.addEventListener('pointerdown', () => search.hide()); // back to reading
  const searchBar = h('div', { class: 'chat__search', hidden: true }, search.form);
  function openSearch() {
    searchBar.hidden = false;
    search.focus();
  }
  function closeSearch() {
    search.clear();
    searchBar.hidden = true;
  }
  const moderation = chatModeration({
    chatId, me, chat: () => chat, timeline, sender, composer, nameOf: actions.nameOf, refreshChat,
  });
  Object.assign(actions, moderation.actions);
  const drawHeader = () => chatHeader(chat, {
    onSearch: () => (searchBar.hidden ? openSearch() : closeSearch()), onRemind: () => moderation.remind(),
  });
  const header = h('div', {}, drawHeader());
  const callBar = callBanner(() => chat);
  const notice = h('div', {}, rulesNotice(chat));
  const onBlockEnd = () => ctx.isCurrent() && refreshChat().catch(() => {});
  const bottom = h('div', { class: 'chat__bottom' }, bottomPart(chat, composer, onBlockEnd));

  pages.start(first, aroundId);
  pinnedBar.set(chat.pinned || []);
  moderation.loadHeld();

  function updateJump() {
    const near = timeline.nearBottom() && pages.liveEnd;
    if (near) unseen = 0;
    jump.hidden = near;
    jump.querySelector('.chat__jump-count').textContent = unseen ? String(unseen) : '';
  }

  function seen(id, ids) {
    readWanted = Math.max(readWanted, id);
    flushRead();
    if (views && ready) views.saw(ids);
  }

  function flushRead() {
    if (!ready || document.visibilityState !== 'visible' || readWanted <= readSent) return;
    readSent = readWanted;
    readLocally(chatId, readSent);
    post(`/chats/${chatId}/read`, { message_id: readSent }).catch(() => {
      readSent = Math.min(readSent, chat.last_read_message_id || 0); // try again on the next look
    });
  }

  /** Show a message (a quote, a pin, a search result), loading the page around it if need be. */
  async function jumpTo(id) {
    if (!(await pages.jumpTo(id))) toast(t('chat.message_missing'));
    updateJump();
  }

  /**
   * After a gap in the stream: fetch what came meanwhile, and the chat itself. A first
   * connection (`fresh`) only closes the short window between our fetch and its start.
   */
  async function catchUp(fresh) {
    try {
      let after = timeline.newestId();
      // Away from the live end (after a jump) the newer pages load as the reader scrolls down.
      for (let guard = 0; pages.liveEnd && guard < 20; guard += 1) {
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
    const bottomBefore = bottomKey(chat);
    const shownBefore = headerKey(chat);
    chat = fresh;
    if (headerKey(chat) !== shownBefore) header.replaceChildren(drawHeader());
    notice.replaceChildren(rulesNotice(chat) || '');
    pinnedBar.set(chat.pinned || []);
    if (bottomKey(chat) !== bottomBefore) bottom.replaceChildren(bottomPart(chat, composer, onBlockEnd));
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
      const keys = ['body', 'edited_at', 'deleted', 'reactions', 'my_reactions', 'read_by', 'read_of', 'read_by_ids', 'views'];
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
    if (!pages.liveEnd) {
      // The newest messages are not loaded (a jump into the past): they wait until the reader
      // scrolls down or presses the arrow.
      if (m.author_id !== me) unseen += 1;
      updateJump();
      return;
    }
    const show = (full) => {
      if (!ctx.isCurrent() || timeline.has(m.id)) return;
      const wasNear = timeline.append([decorate(full)], { stick: m.author_id === me });
      if (m.author_id !== me) {
        if (!wasNear) unseen += 1;
        announcer.textContent = `${actions.nameOf(m.author_id) || ''}: ${plainText(m.body, 200) || filesLabel(m)}`;
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
        toast(e.change === 'removed' ? t('removals.removed_toast') : t('chat.you_left'));
        navigate('/chats', { replace: true });
        return;
      }
      refreshChat().catch(() => {});
    }),
    on('resync', (why) => catchUp(why && why.reason === 'fresh')),
    ...moderation.stops,
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
    composer.destroy();
    typing.destroy();
    search.destroy();
    callBar.destroy();
    if (views) views.destroy();
    panel.destroy();
    setOpenChat(null);
  });

  // Once on screen: at the message asked for, or the first unread one, or at the bottom.
  requestAnimationFrame(() => {
    if (!ctx.isCurrent()) return;
    if (aroundId) {
      timeline.reveal(aroundId);
      window.history.replaceState({}, '', `/chats/${chatId}`); // a reload shows the chat as usual
    } else {
      const firstUnread = timeline.markUnread(chat.last_read_message_id || 0, me, pages.complete);
      if (firstUnread) firstUnread.scrollIntoView({ block: 'start' });
      else timeline.scrollToBottom();
    }
    ready = true;
    flushRead();
    updateJump();
    if (timeline.el.scrollTop < 300) pages.loadOlder();
    if (window.matchMedia('(pointer: fine)').matches && canPost(chat) && !aroundId) composer.focus();
  });

  const section = h('section', { class: 'chat', testid: 'chat', dataset: { chatId: String(chatId), dropHint: t('files.drop_hint') } },
    header, callBar.el, searchBar, pinnedBar.el, notice,
    h('div', { class: 'chat__scroll' }, timeline.el, typing.el, search.results, jump),
    bottom, announcer);
  acceptDrops(section, (files) => {
    if (canPost(chat)) composer.addFiles(files);
    else toast(chat.my_block ? t('blocks.can_read') : t('chat.moderators_only'), 'error');
  });
  return h('div', { class: 'messenger', dataset: { pane: 'chat' }, testid: 'chat-page' },
    h('aside', { class: 'messenger__list', 'aria-label': t('chats.title') }, panel.el),
    section);
}
