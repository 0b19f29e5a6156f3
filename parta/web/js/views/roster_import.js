// One roster import (R8, R9): the preview as a diff — new people, changes, moves between
// classes, departures, classes and teachers, parents' links, chats, the rows with errors —
// then applying it (with errors: only by the explicit choice of «only the valid rows»), its
// progress while the server applies it in the background, and the outcome.

import { del, get, post } from '../api.js';
import { h, ICONS, icon, replace } from '../dom.js';
import { formatDate, t, tn } from '../i18n.js';
import { navigate } from '../router.js';
import { orgPath } from '../session.js';
import { tabs } from '../tabs.js';
import { button, card, cardTitled, confirmDialog, errorBox, pageHeader } from '../ui.js';
import { errorsPanel, itemsTable, kindLabel, statusChip, structureTables, warningsBanner } from '../roster/import_items.js';

const POLL_MS = 500;
const SUMMARY = ['create', 'change', 'move', 'depart', 'errors'];
const STRUCTURE = ['classes', 'class_teachers', 'subject_teachers', 'parent_links', 'chats'];

function summary(imp) {
  const c = imp.counts || {};
  return cardTitled(t(imp.status === 'applied' ? 'roster.summary_title_applied' : 'roster.summary_title'), h('div', { class: 'stack' },
    h('ul', { class: 'figures', testid: 'roster-summary' }, SUMMARY.map((key) => h('li', {
      class: ['figure', key === 'errors' && c.errors ? 'figure--danger' : null, key === 'depart' && c.depart ? 'figure--warn' : null],
      testid: `roster-count-${key}`,
    }, h('span', { class: 'figure__value' }, String(c[key] || 0)), h('span', { class: 'figure__label' }, tn(`roster.figure.${key}`, c[key] || 0))))),
    h('p', { class: 'muted small' }, STRUCTURE.map((key) => `${t(`roster.figure.${key}`)}: ${c[key] || 0}`).join(' · ')),
    imp.complete ? null : h('p', { class: 'notice', testid: 'roster-delta' }, t('roster.delta'))));
}

function diffTabs(imp) {
  const c = imp.counts || {};
  const people = (op, key) => ({
    key, label: t(`roster.tab.${key}`), count: c[op], testid: `roster-tab-${key}`,
    render: () => itemsTable(imp.id, 'people', { op, testid: `roster-${key}`, emptyText: t(`roster.none.${key}`) }),
  });
  const items = [
    people('create', 'create'),
    people('change', 'change'),
    people('move', 'move'),
    {
      key: 'depart', label: t('roster.tab.depart'), count: c.depart, tone: 'warn', testid: 'roster-tab-depart',
      render: () => itemsTable(imp.id, 'departures', { testid: 'roster-depart', emptyText: t(`roster.none.${imp.complete ? 'depart' : 'depart_delta'}`) }),
    },
    c.same ? people('same', 'same') : null,
    {
      key: 'structure', label: t('roster.tab.structure'), count: (c.classes || 0) + (c.class_teachers || 0) + (c.subject_teachers || 0),
      testid: 'roster-tab-structure', render: () => structureTables(imp.id),
    },
    {
      key: 'links', label: t('roster.tab.links'), count: c.parent_links, testid: 'roster-tab-links',
      render: () => itemsTable(imp.id, 'parent_links', { testid: 'roster-links', emptyText: t('roster.none.links') }),
    },
    {
      key: 'chats', label: t('roster.tab.chats'), count: c.chats, testid: 'roster-tab-chats',
      render: () => itemsTable(imp.id, 'chats', { testid: 'roster-chats', emptyText: t('roster.none.chats') }),
    },
    {
      key: 'errors', label: t('roster.tab.errors'), count: c.errors || 0, tone: 'danger',
      testid: 'roster-tab-errors', render: () => errorsPanel(imp),
    },
  ].filter(Boolean);
  const first = items.find((i) => i.count) || items[0];
  return cardTitled(t('roster.diff_title'), tabs(items, { label: t('roster.diff_title'), current: first.key, testid: 'roster-tabs' }).el);
}

/** 152-ФЗ: the import is where the school is reminded to ask parents for consent — how many
 *  of this file's (preview) or this import's (applied) students have none in full yet. */
function consentGaps(imp) {
  const gaps = imp.consent_gaps;
  if (!gaps || !gaps.gaps) return null;
  const key = imp.status === 'applied' ? 'roster.consent_gaps_applied' : 'roster.consent_gaps_preview';
  return h('div', { class: 'banner banner--warn', testid: 'roster-consent-gaps', dataset: { gaps: String(gaps.gaps) } },
    h('p', { class: 'banner__text' }, tn(key, gaps.gaps, { students: gaps.students }), ' ', t('roster.consent_gaps_hint')),
    h('a', { href: '/admin/consents', class: 'btn btn--secondary', testid: 'roster-consent-link' }, t('roster.consent_gaps_open')));
}

function progressCard(imp) {
  const p = imp.progress || { done: 0, total: 0, percent: 0 };
  const bar = h('progress', {
    class: 'progress progress--big', max: '100', value: String(p.percent), 'aria-label': t('roster.applying'), testid: 'roster-progress',
  });
  const text = h('p', { class: 'muted', testid: 'roster-progress-text' },
    p.total ? t('roster.progress', { done: p.done, total: p.total, percent: p.percent }) : t('roster.starting'));
  return card(h('div', { class: 'stack', 'aria-live': 'polite' },
    h('h2', { class: 'card__title' }, t('roster.applying')),
    bar, text));
}

/** «Добавлено 3 человека · обновлено 1 · без изменений 3»: what applying did, each in its
 *  plural form (the progress's «7 из 7» counts rows, not what happened to people). */
export function outcomeLine(c) {
  const parts = [
    tn('roster.outcome.created', c.create || 0),
    tn('roster.outcome.updated', (c.change || 0) + (c.move || 0)),
    tn('roster.outcome.same', c.same || 0),
  ];
  if (c.depart) parts.push(tn('roster.outcome.departed', c.depart));
  return parts.join(' · ');
}

function resultCard(imp) {
  const c = imp.counts || {};
  return card(h('div', { class: 'result', testid: 'roster-result' },
    h('span', { class: 'result__mark', 'aria-hidden': 'true' }, icon(ICONS.check)),
    h('h2', { class: 'result__title' }, t('roster.applied_title')),
    h('progress', { class: 'progress progress--big', max: '100', value: '100', 'aria-label': t('roster.applied_title'), testid: 'roster-progress' }),
    h('p', { class: 'result__outcome', testid: 'roster-outcome' }, outcomeLine(c)),
    h('p', {}, t('roster.applied_text', { date: formatDate(imp.finished_at || imp.applied_at) })),
    imp.valid_rows_only && c.errors ? h('p', { class: 'muted' }, t('roster.applied_valid_only', { count: c.errors })) : null,
    h('div', { class: 'row row--wrap' },
      h('a', { href: '/admin/groups', class: 'btn btn--secondary', testid: 'roster-open-groups' }, t('nav.groups')),
      h('a', { href: '/admin/members', class: 'btn btn--secondary' }, t('nav.members')),
      h('a', { href: '/admin/reconciliation', class: 'btn btn--ghost' }, t('nav.reconciliation')))));
}

function applyCard(imp, onApplied) {
  const errors = (imp.counts && imp.counts.errors) || 0;
  const message = h('div', { 'aria-live': 'assertive' });
  const choice = errors ? h('input', { type: 'checkbox', id: 'roster-valid-only', class: 'checkbox', testid: 'roster-valid-only' }) : null;
  const apply = button(imp.status === 'failed' ? t('roster.apply_again') : t('roster.apply'), async () => {
    const departing = (imp.counts && imp.counts.depart) || 0;
    if (departing && !(await confirmDialog(t('roster.apply_confirm_depart', { count: departing }), { confirmLabel: t('roster.apply'), danger: true }))) return;
    apply.disabled = true;
    replace(message);
    try {
      onApplied(await post(orgPath(`/roster/imports/${imp.id}/apply`), { valid_rows_only: Boolean(choice && choice.checked) }));
    } catch (error) {
      replace(message, errorBox(error, 'roster-apply-error'));
      apply.disabled = Boolean(choice && !choice.checked);
    }
  }, { kind: 'primary', testid: 'roster-apply' });
  if (choice) {
    apply.disabled = true;
    choice.addEventListener('change', () => { apply.disabled = !choice.checked; });
  }
  const discard = imp.status === 'preview' ? button(t('roster.discard'), async (event) => {
    const target = event.currentTarget;
    if (!(await confirmDialog(t('roster.discard_confirm'), { confirmLabel: t('roster.discard') }))) return;
    target.disabled = true;
    try {
      await del(orgPath(`/roster/imports/${imp.id}`));
      navigate('/admin/roster');
    } catch (error) {
      replace(message, errorBox(error));
      target.disabled = false;
    }
  }, { kind: 'danger-ghost', testid: 'roster-discard' }) : null;
  return cardTitled(t('roster.apply_title'), h('div', { class: 'stack' },
    imp.status === 'failed' ? errorBox({ message: imp.failure || t('roster.failed') }, 'roster-failure') : null,
    h('p', {}, t('roster.apply_text')),
    errors ? h('div', { class: 'banner banner--warn', testid: 'roster-has-errors' },
      h('p', { class: 'banner__text' }, t('roster.has_errors', { count: errors }))) : null,
    choice ? h('label', { class: 'check', for: 'roster-valid-only' }, choice, h('span', {}, t('roster.valid_only', { count: errors }))) : null,
    message,
    h('div', { class: 'form-actions' }, apply, discard)));
}

export async function rosterImportView(ctx) {
  const id = Number(ctx.params.id);
  let current = await get(orgPath(`/roster/imports/${id}`));
  const head = h('div', {});
  const body = h('div', { class: 'stack stack--page' });
  let timer = null;
  let progress = null;
  ctx.onLeave(() => clearTimeout(timer));

  const header = () => replace(head, pageHeader(t('roster.import_title', { name: current.file_name }),
    t('roster.import_lead', { kind: kindLabel(current.kind), date: formatDate(current.created_at) }), statusChip(current.status)));

  const poll = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!ctx.isCurrent()) return;
      try {
        const next = await get(orgPath(`/roster/imports/${id}`));
        if (!ctx.isCurrent()) return;
        const finished = next.status !== 'applying';
        current = next;
        if (finished) {
          draw();
          return;
        }
        const fresh = progressCard(current);
        progress.replaceWith(fresh);
        progress = fresh;
      } catch {
        /* a missed answer: the next one will tell */
      }
      poll();
    }, POLL_MS);
  };

  function draw() {
    header();
    const parts = [];
    progress = null;
    if (current.status === 'applying') {
      progress = progressCard(current);
      parts.push(progress);
      poll();
    } else if (current.status === 'applied') {
      parts.push(resultCard(current));
    } else if (current.status === 'discarded') {
      parts.push(h('p', { class: 'notice', testid: 'roster-discarded' }, t('roster.discarded_text')));
    }
    parts.push(summary(current));
    const warnings = current.status === 'discarded' ? null : warningsBanner(current);
    if (warnings) parts.push(warnings);
    const gaps = current.status === 'discarded' ? null : consentGaps(current);
    if (gaps) parts.push(gaps);
    if (current.status === 'preview' || current.status === 'failed') {
      parts.push(applyCard(current, (answer) => {
        current = answer;
        draw();
      }));
    }
    parts.push(diffTabs(current));
    replace(body, parts);
  }

  draw();
  return h('div', { class: 'stack stack--page', testid: 'roster-import' },
    h('a', { href: '/admin/roster', class: 'back-link' }, '← ', t('roster.back')),
    head, body);
}
