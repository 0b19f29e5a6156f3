// The messages a chat's page knows: those in the timeline and those outside it (older messages
// quoted or pinned), who wrote them, and changing one wherever it shows (the timeline, the
// quotes of it, the pinned bar).

import { get } from '../api.js';
import { moreViews } from './channel_views.js';
import { rememberPeople } from './store.js';

/**
 * chatId; me (user id); chat() → the chat's answer as now known; channel (posts count views);
 * timeline; pinnedBar() → the pinned bar (made after this).
 */
export function createKnownMessages({ chatId, me, chat, channel, timeline, pinnedBar }) {
  const people = new Map(); // author id → Person
  const extra = new Map(); // messages outside the timeline (quotes, pins) by id
  const loadingOne = new Set();

  function learn(msgs) {
    for (const m of msgs) if (m.author) people.set(m.author.id, m.author);
    rememberPeople(msgs.map((m) => m.author));
  }

  function learnPeople(persons) {
    for (const p of persons) people.set(p.id, p);
    rememberPeople(persons);
  }

  /** The message as the timeline shows it: what is known of it already, and its defaults. */
  function decorate(m) {
    const known = timeline.get(m.id) || {};
    const own = m.author_id === me;
    return {
      reactions: {}, my_reactions: [], ...known, ...m,
      author: m.author || people.get(m.author_id) || known.author || null,
      read_by: m.read_by ?? known.read_by ?? (own ? 0 : undefined),
      read_of: m.read_of ?? known.read_of ?? (own ? Math.max((chat().members_count || 1) - 1, 0) : undefined),
      views: moreViews(m.views, known.views) ?? (channel ? 0 : undefined),
    };
  }

  const messageOf = (id) => timeline.get(id) || extra.get(id) || null;

  async function fetchOne(id) {
    const page = await get(`/chats/${chatId}/messages?around_id=${id}&limit=1`);
    const found = (page.messages || []).find((m) => m.id === id) || null;
    if (found) learn([found]);
    return found;
  }

  function redrawQuotesOf(id) {
    for (const m of timeline.messages()) if (m.reply_to_id === id) timeline.update(m);
  }

  /** A quoted or pinned message that is not loaded: fetch it once, then redraw who shows it. */
  function loadOne(id) {
    if (loadingOne.has(id) || extra.has(id)) return;
    loadingOne.add(id);
    fetchOne(id).then((m) => {
      extra.set(id, m || { id, deleted: true, body: '' });
      redrawQuotesOf(id);
      pinnedBar().redraw();
    }).catch(() => loadingOne.delete(id));
  }

  /** change(message) → the fields that differ; applied wherever the message shows. */
  function change(id, fn) {
    const msg = messageOf(id);
    if (!msg) return;
    const next = { ...msg, ...fn(msg) };
    if (timeline.get(id)) timeline.update(next);
    else extra.set(id, next);
    redrawQuotesOf(id);
    if (pinnedBar().has(id)) pinnedBar().redraw();
  }

  return {
    learn, learnPeople, decorate, messageOf, fetchOne, loadOne, change,
    knowsAuthor: (id) => people.has(id),
    person: (id) => people.get(id) || null,
  };
}
