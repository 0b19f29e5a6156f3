// Polls the open pages show, kept fresh by the event stream: a vote of one's own (`poll.voted`,
// at once, from any of one's devices), the coalesced results (`poll.results`: counts to those
// who may see them, «changed» without counts to the others), and the reminder to answer (a
// toast). A gap in the stream fetches every watched poll again.

import { get } from '../api.js';
import { registerStore } from '../events/dispatch.js';
import { t } from '../i18n.js';
import { toast } from '../ui.js';

const polls = new Map(); // poll id → the poll as the server answered for this person
const watchers = new Map(); // poll id → Set(fn)
const loading = new Map(); // poll id → the fetch in flight

function tell(id) {
  for (const fn of [...(watchers.get(id) || [])]) fn(polls.get(id));
}

/** Put the server's answer in (a vote's, a close's, a fetch's) and tell the watchers. */
export function setPoll(poll) {
  polls.set(poll.id, poll);
  tell(poll.id);
  return poll;
}

export function fetchPoll(id) {
  if (loading.has(id)) return loading.get(id);
  const job = get(`/polls/${id}`).then(setPoll).finally(() => loading.delete(id));
  loading.set(id, job);
  return job;
}

/** Apply `poll.results` to the poll as held: the new counts, or a refetch where it is owed. */
export function applyResults(poll, event) {
  if (!poll) return null;
  if (event.closed && !poll.closed) return null; // closing changes what one may do: fetch
  if (event.counts == null) {
    // «Changed» without counts: the number who answered, nothing more.
    return { ...poll, voters: event.voters };
  }
  const options = poll.options.map((o) => {
    const votes = event.counts[o.id] ?? event.counts[String(o.id)] ?? 0;
    // Rounded half up, as the server does (parta.queries.polls.percent).
    const n = event.voters;
    return { ...o, votes, percent: n ? Math.floor((200 * votes + n) / (2 * n)) : 0 };
  });
  return { ...poll, voters: event.voters, options, results_visible: true, closed: poll.closed || event.closed };
}

registerStore({
  name: 'polls',
  events: {
    'poll.voted': (event) => {
      if (polls.has(event.poll.id) || watchers.has(event.poll.id)) setPoll(event.poll);
    },
    'poll.results': (event) => {
      if (!watchers.has(event.poll_id)) return;
      const next = applyResults(polls.get(event.poll_id), event);
      if (next) setPoll(next);
      else fetchPoll(event.poll_id).catch(() => {});
    },
    'poll.reminder': (event) => {
      toast(t('polls.reminder_toast', { question: event.question, chat: event.chat_title }));
    },
  },
  resync: () => {
    for (const id of watchers.keys()) fetchPoll(id).catch(() => {});
  },
});

/** fn(poll) now (if held) and on every change; returns the way to stop. */
export function watchPoll(id, fn) {
  if (!watchers.has(id)) watchers.set(id, new Set());
  watchers.get(id).add(fn);
  if (polls.has(id)) fn(polls.get(id));
  else fetchPoll(id).catch(() => {});
  return () => {
    const set = watchers.get(id);
    if (!set) return;
    set.delete(fn);
    if (!set.size) watchers.delete(id);
  };
}

export function heldPoll(id) {
  return polls.get(id);
}
