// A moderator's card for one member of a chat (R29–R31): the violations history, the block in
// force with the member's apology, and the measures — record a violation, block for a time,
// propose an early unblock, remove from the chat. Each measure names a rule of the chat; the
// server enforces the limits (more than three violations before a block, a month at most),
// and the card explains them before anyone presses a button.

import { get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { field, fieldError, form, submit } from '../forms.js';
import { watch } from '../events/topics.js';
import { button, busy, chip, confirmDialog, empty, errorBox, loading, toast } from '../ui.js';
import { ruleOptions } from './rules.js';

const NEEDED = 4; // more than three violations since the last block (R29)
const DURATIONS = [['1d', 1], ['3d', 3], ['1w', 7], ['2w', 14], ['1m', 0]];

/**
 * The end of a block that starts now. A month is a calendar month counted in UTC as the server
 * counts it (31 January → the last day of February), a minute short: the server's month
 * starts a moment after ours.
 */
export function blockUntil(code, now = new Date()) {
  const [, days] = DURATIONS.find(([c]) => c === code) || DURATIONS[0];
  if (days) return new Date(now.getTime() + days * 86_400_000).toISOString();
  const end = new Date(now.getTime());
  const day = end.getUTCDate();
  end.setUTCDate(1);
  end.setUTCMonth(end.getUTCMonth() + 1);
  const last = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() + 1, 0)).getUTCDate();
  end.setUTCDate(Math.min(day, last));
  return new Date(end.getTime() - 60_000).toISOString();
}

const inForce = (b) => !b.ended_at && Date.parse(b.ends_at) > Date.now();

function violationsList(record) {
  if (!record.violations.length) return empty(t('member_mod.no_violations'));
  return h('ol', { class: 'record', testid: 'record-violations' }, record.violations.map((v) => h('li', { class: 'record__item', testid: 'violation-item' },
    h('p', { class: 'record__head' }, h('time', { datetime: v.created_at }, formatDate(v.created_at)), ' · ',
      t('member_mod.rule_n', { number: v.rule_number, text: v.rule_text })),
    v.message_excerpt ? h('blockquote', { class: 'record__quote' }, v.message_excerpt) : null,
    v.explanation ? h('p', { class: 'record__text' }, v.explanation) : null)));
}

function blockCard(block, reload) {
  const proposeButton = block.apology && block.unblock_status === 'none'
    ? button(t('member_mod.propose'), async (event) => {
      const target = event.currentTarget;
      if (!(await confirmDialog(t('member_mod.propose_confirm'), { confirmLabel: t('member_mod.propose'), danger: false }))) return;
      await busy(target, async () => {
        await post(`/blocks/${block.id}/propose-unblock`);
        await reload();
      }, { ok: t('member_mod.proposed') });
    }, { small: true, testid: 'propose-unblock' })
    : null;
  const status = block.unblock_status === 'none' ? null : t(`member_mod.unblock_${block.unblock_status}`, {
    deadline: block.objection_deadline ? formatDate(block.objection_deadline) : '',
  });
  return h('div', { class: 'record-block', testid: 'current-block' },
    h('p', { class: 'record-block__title' }, t('member_mod.blocked_until', { until: formatDate(block.ends_at) })),
    h('p', {}, t('member_mod.rule_n', { number: block.rule_number, text: block.rule_text })),
    block.reason ? h('p', { class: 'muted' }, block.reason) : null,
    block.apology
      ? h('blockquote', { class: 'record__quote', testid: 'block-apology' }, h('strong', {}, t('member_mod.apology')), ' ', block.apology)
      : h('p', { class: 'muted' }, t('member_mod.no_apology')),
    status ? h('p', { class: 'record-block__status', testid: 'unblock-status' }, status) : null,
    proposeButton);
}

function action(title, testid, body) {
  return h('details', { class: 'mod-action' }, h('summary', { class: 'mod-action__summary', testid }, title), h('div', { class: 'mod-action__body' }, body));
}

function measures(chat, userId, record, rules, { reload, onRemoved }) {
  const base = `/chats/${chat.id}/members/${userId}`;
  const ruleField = (testid) => field({ name: 'rule_number', type: 'select', label: t('member_mod.rule'), required: true, options: ruleOptions(rules), testid });
  const needRule = (values, el) => {
    if (values.rule_number) return false;
    fieldError(el, 'rule_number', t('member_mod.rule_required'));
    return true;
  };
  const violation = form({
    testid: 'violation-form',
    fields: [ruleField('violation-rule'), field({
      name: 'explanation', type: 'textarea', rows: 2, maxlength: 2000, required: true, label: t('member_mod.explanation'), testid: 'violation-explanation',
    })],
    actions: [submit(t('member_mod.record'), 'violation-save')],
    onsubmit: async (values, el) => {
      if (needRule(values, el)) return;
      if (!values.explanation) return fieldError(el, 'explanation', t('field_errors.required'));
      await post(`${base}/violations`, { rule_number: Number(values.rule_number), explanation: values.explanation });
      toast(t('member_mod.recorded'));
      return reload();
    },
  });
  const blocked = record.blocks.some(inForce);
  const blockSave = submit(t('member_mod.block'), 'block-save', 'danger');
  blockSave.disabled = !record.block_allowed;
  const block = blocked ? null : form({
    testid: 'block-form',
    fields: [
      record.block_allowed ? null : h('p', { class: 'notice', testid: 'block-not-allowed' },
        t('member_mod.block_needs', { count: record.counted_toward_block, needed: NEEDED })),
      field({
        name: 'duration', type: 'select', label: t('member_mod.duration'), value: '1d', testid: 'block-duration',
        options: DURATIONS.map(([code]) => [code, t(`member_mod.durations.${code}`)]),
      }),
      ruleField('block-rule'),
      field({ name: 'reason', type: 'textarea', rows: 2, maxlength: 2000, label: t('member_mod.reason'), testid: 'block-reason' }),
    ],
    actions: [blockSave],
    onsubmit: async (values, el) => {
      if (needRule(values, el)) return;
      await post(`${base}/block`, { until: blockUntil(values.duration), rule_number: Number(values.rule_number), reason: values.reason });
      toast(t('member_mod.blocked'));
      return reload();
    },
  });
  const removal = form({
    testid: 'remove-form',
    fields: [ruleField('remove-rule'), field({
      name: 'reason', type: 'textarea', rows: 2, maxlength: 2000, required: true, label: t('member_mod.reason'), testid: 'remove-reason',
      hint: t('member_mod.remove_hint'),
    })],
    actions: [submit(t('member_mod.remove'), 'remove-save', 'danger')],
    onsubmit: async (values, el) => {
      if (needRule(values, el)) return;
      if (!values.reason) return fieldError(el, 'reason', t('field_errors.required'));
      if (!(await confirmDialog(t('member_mod.remove_confirm'), { confirmLabel: t('member_mod.remove') }))) return;
      await post(`${base}/remove`, { rule_number: Number(values.rule_number), reason: values.reason });
      toast(t('member_mod.removed'));
      onRemoved();
    },
  });
  return h('div', { class: 'mod-actions' },
    action(t('member_mod.record_title'), 'violation-open', violation),
    block ? action(t('member_mod.block_title'), 'block-open', block) : null,
    ['direct', 'school_channel', 'staff_channel'].includes(chat.kind) ? null : action(t('member_mod.remove_title'), 'remove-open', removal));
}

/**
 * For the chat's member list: which members are blocked (a chip in their row), and the card
 * each row opens. reloadList() redraws the list (after a removal).
 */
export function memberModeration(chat, { reloadList }) {
  const open = new Map(); // user id → reload function of an open card
  let blocks = new Map();

  async function loadBlocks() {
    try {
      const answer = await get(`/chats/${chat.id}/blocks`);
      blocks = new Map((answer.blocks || []).map((b) => [b.user_id, b]));
    } catch {
      blocks = new Map();
    }
  }

  function card(userId, rules) {
    const el = h('div', { class: 'member-card', testid: 'member-card' }, loading());
    const reload = async () => {
      try {
        const record = await get(`/chats/${chat.id}/members/${userId}/record`);
        const current = record.blocks.find(inForce);
        replace(el,
          h('h3', { class: 'subhead' }, t('member_mod.violations_title')),
          violationsList(record),
          h('p', { class: 'record-count', testid: 'record-count' },
            t('member_mod.counted', { count: record.counted_toward_block, needed: NEEDED })),
          current ? blockCard(current, reload) : null,
          measures(chat, userId, record, rules, { reload, onRemoved: reloadList }));
      } catch (error) {
        replace(el, errorBox(error));
      }
    };
    return { el, reload };
  }

  /** The chip and the toggle for a member's row; `row` gets the card appended when opened. */
  function forMember(member, row) {
    const userId = member.user.id;
    const block = blocks.get(userId);
    const badge = block ? chip(t('member_mod.blocked_chip', { until: formatDate(block.ends_at, false) }), 'danger') : null;
    if (badge) badge.dataset.testid = 'member-blocked';
    const toggle = button(t('member_mod.open'), () => {
      const shown = row.querySelector('.member-card');
      if (shown) {
        shown.remove();
        open.delete(userId);
        toggle.setAttribute('aria-expanded', 'false');
        return;
      }
      const { el, reload } = card(userId, chat.rule_items || []);
      row.append(el);
      open.set(userId, reload);
      toggle.setAttribute('aria-expanded', 'true');
      reload();
    }, { small: true, kind: 'ghost', testid: 'member-moderate' });
    toggle.setAttribute('aria-expanded', 'false');
    return { badge, toggle };
  }

  // A violation or block of a member whose card is open, or (null) a gap in the stream.
  const refresh = (e) => {
    if (!e) {
      for (const reload of open.values()) reload();
      return;
    }
    if (e.chat_id !== chat.id) return;
    const reload = open.get(e.user_id);
    if (reload) reload();
  };
  return { loadBlocks, forMember, stop: watch('member_records', refresh) };
}
