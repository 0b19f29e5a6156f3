// «Новый учебный год»: the rollover previewed as a plan (5А → 6А, the graduating classes,
// last year's chats archived, new chats by invitation), shaped class by class (action, name,
// class teacher), then applied after a confirmation. Applying does exactly what the last
// preview showed, so a changed choice asks for a new preview first.

import { ApiError, get, post, qs } from '../api.js';
import { h, ICONS, icon, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { formatDate, t } from '../i18n.js';
import { orgPath, session } from '../session.js';
import {
  button, card, cardTitled, confirmDialog, errorBox, pageHeader,
} from '../ui.js';
import {
  chatsCard, classesTable, countsFigures, leaversCard, warningsList,
} from '../roster/year_plan.js';

const GRADES = {
  school: [11, 9], college: [4, 1, 2, 3, 5, 6], kindergarten: [null, ...Array.from({ length: 12 }, (_, i) => i + 1)],
};

function gradeOptions() {
  const kind = (session.org && session.org.kind) || 'school';
  const grades = GRADES[kind] || GRADES.kindergarten;
  return grades.map((g) => [g == null ? '' : g, g == null ? t('year.final_grade_none') : String(g)]);
}

function setPlanInUrl(id) {
  window.history.replaceState({}, '', `/admin/year${qs({ plan: id })}`);
}

function resultCard(plan) {
  const c = plan.counts || {};
  return card(h('div', { class: 'result', testid: 'year-result' },
    h('span', { class: 'result__mark', 'aria-hidden': 'true' }, icon(ICONS.check)),
    h('h2', { class: 'result__title' }, t('year.applied_title')),
    h('p', {}, t('year.applied_text', { date: formatDate(plan.applied_at) })),
    h('p', { class: 'muted' }, t('year.applied_counts', {
      promoted: c.promote || 0, graduated: c.graduate || 0, archived: c.chats_archived || 0, created: c.chats_created || 0,
    })),
    h('div', { class: 'row row--wrap' },
      h('a', { href: '/admin/groups', class: 'btn btn--secondary' }, t('nav.groups')),
      h('a', { href: '/chats', class: 'btn btn--ghost' }, t('nav.chats')))));
}

export async function yearView(ctx) {
  const holder = h('div', { class: 'stack stack--page' });
  const decisions = new Map();
  let teachers = null;
  let finalGrade = null;
  let repeat = false;

  const repeatField = field({ name: 'repeat', type: 'checkbox', label: t('year.repeat'), testid: 'year-repeat' });
  repeatField.hidden = true;
  const grade = () => field({
    name: 'final_grade', label: t('year.final_grade'), type: 'select', testid: 'year-final-grade',
    value: finalGrade ?? '', options: gradeOptions(), hint: t('year.final_grade_hint'),
  });

  async function preview(values = {}) {
    if (values.final_grade !== undefined) {
      // The form makes the plan afresh: the classes' choices start from the defaults again.
      finalGrade = values.final_grade === '' ? null : Number(values.final_grade);
      decisions.clear();
    }
    if (values.repeat !== undefined) repeat = values.repeat;
    const body = { classes: [...decisions.values()].map(clean), repeat };
    if (finalGrade != null) body.final_grade = finalGrade;
    try {
      const plan = await post(orgPath('/rollover/preview'), body);
      setPlanInUrl(plan.id);
      await showPlan(plan);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'rollover_recent') repeatField.hidden = false;
      throw error;
    }
  }

  function clean(d) {
    const out = { ...d };
    if (out.action === 'graduate') delete out.class_teacher_id;
    if (out.action === 'graduate' || out.action === 'keep') delete out.name;
    return out;
  }

  const startForm = () => form({
    testid: 'year-form',
    className: 'form--inline',
    fields: [grade(), repeatField],
    actions: [submit(t('year.make_plan'), 'year-preview')],
    onsubmit: (values) => preview(values),
  });

  async function showPlan(plan) {
    if (!ctx.isCurrent()) return;
    if (plan.status === 'applied') {
      replace(holder, resultCard(plan), countsCard(plan), chatsCard(plan));
      return;
    }
    if (plan.status !== 'preview') {
      replace(holder, h('p', { class: 'notice', testid: 'year-discarded' }, t('year.discarded')), cardTitled(t('year.start_title'), startForm()));
      return;
    }
    if (!teachers) teachers = (await get(orgPath('/members?role=teacher'))).members || [];
    finalGrade = plan.final_grade;
    const message = h('div', { 'aria-live': 'assertive' });
    const stale = h('p', { class: 'banner banner--warn', testid: 'year-stale', hidden: true }, t('year.stale'));
    const recalc = button(t('year.recalc'), (event) => run(event.currentTarget, () => preview()), { testid: 'year-recalc' });
    const apply = button(t('year.apply'), async (event) => {
      const target = event.currentTarget;
      if (!(await confirmDialog(t('year.apply_confirm'), { confirmLabel: t('year.apply') }))) return;
      await run(target, async () => showPlan(await post(orgPath(`/rollover/${plan.id}/apply`))));
    }, { kind: 'primary', testid: 'year-apply' });
    apply.disabled = !plan.ready;
    const run = async (target, work) => {
      target.disabled = true;
      replace(message);
      try {
        await work();
      } catch (error) {
        replace(message, errorBox(error, 'year-error'));
      } finally {
        if (target.isConnected) target.disabled = target === apply && !plan.ready;
      }
    };
    const changed = () => {
      stale.hidden = false;
      apply.disabled = true;
    };
    replace(holder,
      cardTitled(t('year.plan_title'), h('div', { class: 'stack' },
        h('p', { class: 'muted' }, t('year.plan_lead', {
          date: formatDate(plan.created_at), grade: plan.final_grade ?? t('year.final_grade_none'),
        })),
        countsFigures(plan),
        warningsList(plan))),
      cardTitled(t('year.classes_title'), h('div', { class: 'stack' },
        h('p', { class: 'hint' }, t('year.classes_hint')),
        classesTable(plan, teachers, decisions, changed))),
      leaversCard(plan),
      chatsCard(plan),
      cardTitled(t('year.apply_title'), h('div', { class: 'stack', testid: 'year-apply-card' },
        h('p', {}, t('year.apply_text')),
        plan.ready ? null : h('p', { class: 'banner banner--warn', testid: 'year-not-ready' }, t('year.not_ready')),
        stale, message,
        h('div', { class: 'form-actions' }, recalc, apply))),
      cardTitled(t('year.start_over'), startForm()));
  }

  function countsCard(plan) {
    return cardTitled(t('year.plan_title'), countsFigures(plan));
  }

  /** A plan opened again (a reload): its choices are kept, so a new preview starts from them. */
  function seed(plan) {
    for (const c of plan.classes || []) {
      if (c.op === 'undecided') continue;
      const d = { group_id: c.group_id, action: c.op };
      if (c.op === 'promote' && c.new_name) d.name = c.new_name;
      if (c.op !== 'graduate' && c.new_class_teacher) d.class_teacher_id = c.new_class_teacher.id;
      decisions.set(c.group_id, d);
    }
  }

  const planId = Number(ctx.query.plan);
  if (planId) {
    try {
      const plan = await get(orgPath(`/rollover/${planId}`));
      if (plan.status === 'preview') seed(plan);
      await showPlan(plan);
    } catch (error) {
      replace(holder, errorBox(error), cardTitled(t('year.start_title'), startForm()));
    }
  } else {
    replace(holder, cardTitled(t('year.start_title'), h('div', { class: 'stack' },
      h('p', {}, t('year.start_text')),
      h('ul', { class: 'plain-list hint' }, ['promote', 'graduate', 'archive', 'invite'].map((k) => h('li', {}, t(`year.explain.${k}`)))),
      startForm())));
  }
  return h('div', { class: 'stack stack--page', testid: 'year-page' },
    pageHeader(t('year.title'), t('year.lead')), holder);
}
