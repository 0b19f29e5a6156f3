// A poll in the chat's timeline: its question, the options as bars with percentages (where the
// person may see them), a tap to vote (several and own words where the poll allows), changing or
// taking back one's vote, closing it, and for a named poll's staff author: who has not answered,
// a reminder, and the answers as a spreadsheet.

import { del, get, post } from '../api.js';
import { append, h } from '../dom.js';
import { formatDate, t, tn } from '../i18n.js';
import { busy, confirmDialog, toast } from '../ui.js';
import { fetchPoll, setPoll, watchPoll } from './store.js';

function resultsNote(poll) {
  if (poll.results_visible) return null;
  return h('p', { class: 'poll__note muted small', testid: 'poll-hidden' },
    t(poll.results === 'after_closing' ? 'polls.hidden_until_closed' : 'polls.hidden_until_voted'));
}

function statusLine(poll) {
  const bits = [tn('polls.voters', poll.voters)];
  if (poll.anonymous) bits.push(t('polls.anonymous'));
  if (poll.multiple) bits.push(t('polls.multiple'));
  if (poll.closed) bits.push(t('polls.closed'));
  else if (poll.closes_at) bits.push(t('polls.closes', { when: formatDate(poll.closes_at) }));
  return h('p', { class: 'poll__status muted small', testid: 'poll-status' }, bits.join(' · '));
}

function bar(option, mine) {
  const shown = option.percent != null;
  return h('span', { class: 'poll__bar', 'aria-hidden': 'true' },
    shown ? h('span', { class: ['poll__fill', mine && 'poll__fill--mine'], style: `width: ${option.percent}%` }) : null);
}

function optionRow(poll, option, state, choose) {
  const mine = poll.mine.includes(option.id);
  const picked = state.picked.has(option.id);
  const voting = state.voting;
  const shown = option.percent != null;
  const label = h('span', { class: 'poll__option-text' }, option.text);
  const figure = shown ? h('span', { class: 'poll__figure', testid: 'poll-percent' }, `${option.percent}%`) : null;
  const content = [h('span', { class: 'poll__option-line' },
    poll.multiple && voting ? h('span', { class: ['poll__box', picked && 'poll__box--on'], 'aria-hidden': 'true' }) : null,
    label, mine ? h('span', { class: 'poll__mine', 'aria-label': t('polls.my_choice') }, '✓') : null, figure),
  bar(option, mine)];
  if (!voting) {
    return h('li', { class: ['poll__option', mine && 'poll__option--mine'], testid: 'poll-option', dataset: { option: String(option.id) } },
      h('div', { class: 'poll__option-static' }, content));
  }
  return h('li', { class: ['poll__option', mine && 'poll__option--mine'], testid: 'poll-option', dataset: { option: String(option.id) } },
    h('button', {
      type: 'button', class: ['poll__choose', picked && 'poll__choose--picked'], testid: 'poll-choose',
      'aria-pressed': poll.multiple ? String(picked) : null,
      onclick: (event) => choose(option, event.currentTarget),
    }, content));
}

async function voters(poll, box) {
  const answer = await get(`/polls/${poll.id}/voters`);
  const waiting = answer.not_answered;
  const byOption = new Map(poll.options.map((o) => [o.id, o.text]));
  box.replaceChildren();
  append(box, [
    h('p', { class: 'poll__sub', testid: 'poll-waiting-count' }, waiting.length
      ? tn('polls.not_answered_count', waiting.length) : t('polls.all_answered')),
    waiting.length ? h('ul', { class: 'poll__people', testid: 'poll-waiting' }, waiting.map((p) => h('li', {}, p.name))) : null,
    answer.voters.length ? h('details', { class: 'poll__answers' },
      h('summary', {}, t('polls.answers_by_name')),
      h('ul', { class: 'poll__people', testid: 'poll-answers' }, answer.voters.map((row) => h('li', {},
        `${row.person.name}: ${row.option_ids.map((id) => byOption.get(id)).filter(Boolean).join(', ')}${row.text ? ` («${row.text}»)` : ''}`)))) : null]);
  box.hidden = false;
  return answer;
}

function exportLinks(poll) {
  const links = [];
  const by = poll.sees_voters ? 'name' : 'counts';
  if (!poll.results_visible && !poll.sees_voters) return null;
  for (const format of ['xlsx', 'csv']) {
    links.push(h('a', {
      class: 'btn btn--ghost poll__export', href: `/api/v1/polls/${poll.id}/export?format=${format}&by=${by}`,
      download: '', testid: `poll-export-${format}`,
    }, t(`polls.export_${format}`)));
  }
  return h('div', { class: 'poll__exports' }, links);
}

/** The poll's card for message `msg` (kind «poll»); it keeps itself fresh while on the page. */
export function pollCardEl(msg) {
  const root = h('div', { class: 'poll', testid: 'poll', dataset: { poll: String(msg.id) } },
    h('p', { class: 'poll__question' }, msg.body), h('p', { class: 'muted small' }, t('common.loading')));
  const state = { picked: new Set(), changing: false, voting: false, text: '', whoOpen: false };
  let current = null;
  let mounted = false;
  let stop = () => {};

  async function send(optionIds, text, buttonEl) {
    const body = { option_ids: optionIds };
    if (text) body.text = text;
    const answer = await busy(buttonEl, () => post(`/polls/${msg.id}/vote`, body));
    if (answer) {
      state.changing = false;
      state.picked = new Set();
      setPoll(answer);
    }
  }

  function choose(option, buttonEl) {
    if (current.multiple) {
      if (state.picked.has(option.id)) state.picked.delete(option.id);
      else state.picked.add(option.id);
      renderAll(current);
      return;
    }
    send([option.id], state.text, buttonEl);
  }

  function render(poll) {
    if (!poll) return;
    if (mounted && !root.isConnected) {
      stop();
      return;
    }
    if (root.isConnected) mounted = true;
    current = poll;
    const voted = poll.mine.length > 0 || Boolean(poll.my_text);
    state.voting = poll.can_vote && (!voted || state.changing);
    if (state.voting && state.changing && !state.picked.size && poll.multiple) state.picked = new Set(poll.mine);
    const list = h('ul', { class: 'poll__options', 'aria-label': poll.question },
      poll.options.map((o) => optionRow(poll, o, state, choose)));
    const actions = [];
    let ownWords = null;
    if (state.voting && poll.free_text) {
      ownWords = h('input', {
        class: 'input poll__own', name: 'text', maxlength: 300, testid: 'poll-own-words',
        placeholder: t('polls.own_words'), 'aria-label': t('polls.own_words'), value: state.text || poll.my_text || '',
      });
      ownWords.addEventListener('input', () => { state.text = ownWords.value; });
    }
    if (state.voting && (poll.multiple || poll.free_text)) {
      actions.push(h('button', {
        type: 'button', class: 'btn btn--primary', testid: 'poll-submit',
        onclick: (event) => {
          const ids = poll.multiple ? [...state.picked] : [];
          const text = ownWords ? ownWords.value.trim() : '';
          if (!ids.length && !text) {
            toast(t('polls.choose_first'), 'error');
            return;
          }
          send(ids, text, event.currentTarget);
        },
      }, t('polls.vote')));
    }
    if (poll.can_vote && voted && !state.changing) {
      actions.push(h('button', {
        type: 'button', class: 'btn btn--secondary', testid: 'poll-change',
        onclick: () => { state.changing = true; renderAll(current); },
      }, t('polls.change_vote')));
      actions.push(h('button', {
        type: 'button', class: 'btn btn--ghost', testid: 'poll-retract',
        onclick: async (event) => {
          const answer = await busy(event.currentTarget, () => del(`/polls/${msg.id}/vote`));
          if (answer) setPoll(answer);
        },
      }, t('polls.retract')));
    }
    if (state.changing) {
      actions.push(h('button', {
        type: 'button', class: 'btn btn--ghost', testid: 'poll-change-cancel',
        onclick: () => { state.changing = false; state.picked = new Set(); renderAll(current); },
      }, t('common.cancel')));
    }
    if (poll.can_close) {
      actions.push(h('button', {
        type: 'button', class: 'btn btn--secondary', testid: 'poll-close',
        onclick: async (event) => {
          const target = event.currentTarget;
          if (!(await confirmDialog(t('polls.close_confirm'), { confirmLabel: t('polls.close'), danger: false }))) return;
          const answer = await busy(target, () => post(`/polls/${msg.id}/close`), { ok: t('polls.closed_toast') });
          if (answer) setPoll(answer);
        },
      }, t('polls.close')));
    }
    const who = h('div', { class: 'poll__who', testid: 'poll-who', hidden: true });
    if (poll.sees_voters) {
      actions.push(h('button', {
        type: 'button', class: 'btn btn--secondary', testid: 'poll-not-answered',
        onclick: (event) => {
          state.whoOpen = true;
          busy(event.currentTarget, () => voters(poll, who));
        },
      }, t('polls.not_answered')));
    }
    if (poll.can_remind) {
      actions.push(h('button', {
        type: 'button', class: 'btn btn--secondary', testid: 'poll-remind',
        onclick: async (event) => {
          const answer = await busy(event.currentTarget, () => post(`/polls/${msg.id}/remind`));
          if (answer) toast(answer.reminded ? tn('polls.reminded', answer.reminded) : t('polls.nobody_to_remind'));
        },
      }, t('polls.remind')));
    }
    root.replaceChildren();
    append(root, [
      h('p', { class: 'poll__label muted small' }, t(poll.anonymous ? 'polls.label_anonymous' : 'polls.label')),
      h('p', { class: 'poll__question', testid: 'poll-question' }, poll.question),
      list, ownWords, resultsNote(poll), statusLine(poll),
      actions.length ? h('div', { class: 'poll__actions' }, actions) : null,
      who, poll.closed || poll.sees_voters ? exportLinks(poll) : null]);
  }

  const renderAll = (poll) => {
    render(poll);
    // The list of who has not answered stays open, and current, as results come in.
    const who = root.querySelector('[data-testid="poll-who"]');
    if (poll && state.whoOpen && poll.sees_voters && who) voters(poll, who).catch(() => {});
  };
  stop = watchPoll(msg.id, renderAll);
  // The card may be drawn before it is on the page: look again once it is.
  requestAnimationFrame(() => { if (root.isConnected) mounted = true; });
  root.refresh = () => fetchPoll(msg.id);
  return root;
}
