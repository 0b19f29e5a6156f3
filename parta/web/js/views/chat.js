// One chat: the composition of its parts, each in its own module —
//   chat/open.js             the open chat as a store (its answer, what the person may do there,
//                            and the stream's changes to it, routed by the dispatcher)
//   chat/frame.js            header and its actions, search, the rules notice, the bottom
//   chat/timeline.js, chat/history.js   the messages on screen and paging through the history
//   chat/known.js            the messages the page knows and changing one wherever it shows
//   chat/live.js             new messages as they come, the jump-down button, catching up
//   chat/reading.js          read marks, channel views, «read by» kept fresh
//   chat/message_actions.js  what the message menu does
//   chat/writing.js          the composer, sending and editing, dropped files
//   chat/typing.js, chat/pinned.js, chat/list.js (the chat list beside it)
//   moderation/in_chat.js    reports, held messages, the conduct filter's answers, reminders

import { get } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { session } from '../session.js';
import { onStatus } from '../events/dispatch.js';
import { loading, toast } from '../ui.js';
import { createAcksInChat } from '../acks/in_chat.js';
import { callBanner } from '../calls/call.js';
import { chatListPanel } from '../chat/list.js';
import { acceptDrops } from '../chat/composer.js';
import { plainText } from '../chat/format.js';
import { createFrame } from '../chat/frame.js';
import { notFound } from '../chat/header.js';
import { createHistory, PAGE } from '../chat/history.js';
import { createKnownMessages } from '../chat/known.js';
import { createLive } from '../chat/live.js';
import { messageEl } from '../chat/message.js';
import { createMessageActions } from '../chat/message_actions.js';
import { openChatStore } from '../chat/open.js';
import { createPinnedBar } from '../chat/pinned.js';
import { createReading } from '../chat/reading.js';
import { createTimeline } from '../chat/timeline.js';
import { createTyping } from '../chat/typing.js';
import { createUrgent } from '../chat/urgent.js';
import { createWriting } from '../chat/writing.js';
import { chatModeration } from '../moderation/in_chat.js';
import { can, canPost, isChannel, setOpenChat } from '../chat/store.js';

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
  const channel = isChannel(chat);
  const current = () => ctx.isCurrent();
  const store = openChatStore(chat);
  let pinnedBar = null;
  let writing = null;
  let moderation = null;

  /** Show a message (a quote, a pin, a search result), loading the page around it if need be. */
  async function jumpTo(id) {
    if (!(await pages.jumpTo(id))) toast(t('chat.message_missing'));
    live.updateJump();
  }

  const timeline = createTimeline({
    render: (msg) => messageEl(msg, actions),
    onOlder: () => pages.loadOlder(),
    onNewer: () => pages.loadNewer(),
    onSeen: (id, ids) => reading.seen(id, ids),
    onScroll: () => live.updateJump(),
  });
  const known = createKnownMessages({ chatId, me, chat: store.chat, channel, timeline, pinnedBar: () => pinnedBar });
  const reading = createReading({ chatId, me, chat: store.chat, channel, timeline, known, current });
  const pages = createHistory({
    chatId, timeline, learn: known.learn, decorate: known.decorate, ready: reading.ready, current,
  });
  const actions = createMessageActions({
    chatId, me, store, known, composer: () => writing.composer, sender: () => writing.sender, pinnedBar: () => pinnedBar, jumpTo,
  });
  const typing = createTyping({
    chatId,
    store,
    nameOf: actions.nameOf,
    async loadNames() {
      const answer = await get(`/chats/${chatId}/members`);
      known.learnPeople((answer.members || []).map((m) => m.user).filter(Boolean));
    },
  });
  const live = createLive({
    chatId, me, store, timeline, pages, known, sender: () => writing.sender, reading, nameOf: actions.nameOf, current,
  });
  const acks = createAcksInChat({ chatId, timeline });
  const urgent = createUrgent({ chatId, store, onChange: (on) => writing && writing.setUrgent(on) });
  writing = createWriting({
    chatId, me, store, timeline, pages, known, typing, edit: (id, text) => moderation.edit(id, text), afterSend: () => live.updateJump(),
    intercept: async (text, attachments) => (await urgent.intercept(text, attachments)) || acks.intercept(text, attachments),
  });
  acks.extras.querySelector('.acks-toggles').append(urgent.toggle);
  acks.extras.append(urgent.hint);
  writing.composer.el.insertBefore(acks.extras, writing.composer.el.lastElementChild);
  // Where the person may only answer posts (the municipality's channel for the schools'
  // administrators), the composer takes words alone: the server refuses files, polls and
  // messages sent later there. Redrawn when the chat's capabilities change.
  const fitComposer = () => {
    const plain = !canPost(store.chat());
    writing.composer.setPlain(plain);
    acks.setPlain(plain);
  };
  fitComposer();
  moderation = chatModeration({
    chatId, store, timeline, sender: writing.sender, composer: writing.composer, nameOf: actions.nameOf,
  });
  Object.assign(actions, moderation.actions);
  actions.canRequireAck = (msg) => acks.canMark(msg);
  actions.onRequireAck = (msg) => acks.mark(msg);
  pinnedBar = createPinnedBar({
    messageOf: known.messageOf,
    load: known.loadOne,
    onJump: jumpTo,
    onUnpin: can(chat, 'pin') ? (id) => actions.onPin({ id }, false) : null,
  });
  const frame = createFrame({
    chatId,
    store,
    composer: writing.composer,
    onJump: jumpTo,
    onRemind: () => moderation.remind(),
    onBlockEnd: () => current() && store.refresh().catch(() => {}),
  });
  timeline.el.addEventListener('pointerdown', () => frame.hideResults()); // back to reading
  const callBar = callBanner(store.chat);

  pages.start(first, aroundId);
  pinnedBar.set(chat.pinned || []);
  moderation.loadHeld();

  const stops = [
    store.on((change) => {
      if (change.kind === 'patch') known.change(change.id, change.change);
      else if (change.kind === 'urgent') {
        known.change(change.id, () => ({ urgent: true }));
        const marked = known.messageOf(change.id);
        if (marked) live.announcer.textContent = t('chat.urgent_marked', { text: plainText(marked.body, 200) });
      }
      else if (change.kind === 'pins' || change.kind === 'chat') {
        pinnedBar.set(store.chat().pinned || []);
        if (change.kind === 'chat') fitComposer();
      }
      else if (change.kind === 'gone') {
        if (change.why !== 'not_member') toast(change.why === 'removed' ? t('removals.removed_toast') : t('chat.you_left'));
        navigate('/chats', { replace: true });
      }
    }),
    onStatus((status) => {
      if (status === 'live') writing.sender.retryAll();
    }),
  ];

  setOpenChat(chatId);
  const panel = chatListPanel({ currentId: chatId, heading: 'h2' });
  ctx.onLeave(() => {
    stops.forEach((stop) => stop());
    for (const part of [reading, live, writing, typing, frame, moderation, panel, acks, urgent]) part.destroy();
    timeline.destroy();
    callBar.destroy();
    store.close();
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
    reading.start();
    live.updateJump();
    if (timeline.el.scrollTop < 300) pages.loadOlder();
    if (window.matchMedia('(pointer: fine)').matches && canPost(chat) && !aroundId) writing.composer.focus();
  });

  const section = h('section', { class: 'chat', testid: 'chat', dataset: { chatId: String(chatId), dropHint: t('files.drop_hint') } },
    frame.header, callBar.el, frame.searchBar, pinnedBar.el, frame.notice,
    h('div', { class: 'chat__scroll' }, timeline.el, typing.el, frame.results, live.jump),
    acks.bar, frame.bottom, live.announcer);
  acceptDrops(section, (files) => writing.dropFiles(files));
  return h('div', { class: 'messenger', dataset: { pane: 'chat' }, testid: 'chat-page' },
    h('aside', { class: 'messenger__list', 'aria-label': t('chats.title') }, panel.el),
    section);
}
