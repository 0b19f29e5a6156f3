// The municipality's instructions (R2). For a school's administrators: what came, by when, and
// «Принято к исполнению». For the municipal administrator: a new instruction to some or all
// schools, and, school by school, who took each up — with a reminder for the rest.

import { get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { t, tn } from '../i18n.js';
import { navigate } from '../router.js';
import { orgPath, session } from '../session.js';
import { field, form, submit } from '../forms.js';
import { button, busy, cardTitled, chip, empty, errorBox, pageHeader, table, toast } from '../ui.js';
import { onNetwork } from '../network/store.js';

const when = (iso) => new Date(iso).toLocaleString([], { day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' });

function incomingItem(ins, reload) {
  let action;
  if (ins.acknowledged_at) {
    action = chip(t('instructions.taken_up_at', { when: when(ins.acknowledged_at) }), 'ok');
  } else if (ins.state === 'closed') {
    action = chip(t('instructions.closed'), 'warn');
  } else {
    action = button(t('instructions.take_up'), (event) => busy(event.currentTarget, async () => {
      await post(orgPath(`/instructions/${ins.id}/acknowledge`));
      await reload();
    }, { ok: t('instructions.taken_up') }), { kind: 'primary', testid: 'instruction-take-up' });
  }
  return h('li', { class: 'invite', testid: 'instruction', dataset: { id: String(ins.id) } },
    h('strong', {}, ins.title),
    h('span', { class: 'muted small' }, t('instructions.from', {
      who: ins.author ? ins.author.name : ins.municipality.name, deadline: when(ins.deadline) })),
    h('p', { class: 'instruction__body' }, ins.body),
    h('div', { class: 'row row--wrap' }, action));
}

export async function instructionsView(ctx) {
  const holder = h('div', { testid: 'instructions-incoming' });
  const reload = async () => {
    try {
      const list = (await get(orgPath('/instructions'))).instructions || [];
      replace(holder, list.length
        ? h('ul', { class: 'invites' }, list.map((i) => incomingItem(i, reload)))
        : empty(t('instructions.none')));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  ctx.onLeave(onNetwork(() => reload()));
  await reload();
  return h('div', { class: 'stack stack--page instructions', testid: 'instructions-page' },
    pageHeader(t('instructions.title'), t('instructions.lead')), holder);
}

// The municipal administrator's page -------------------------------------------------------------

function detailCard(muniId, ins, reload) {
  const waiting = ins.recipients.filter((r) => !r.acknowledged_at).length;
  const remind = ins.state === 'open' && waiting
    ? button(t('instructions.remind'), (event) => busy(event.currentTarget, async () => {
      await post(`/municipalities/${muniId}/instructions/${ins.id}/remind`);
      await reload();
    }, { ok: tn('instructions.reminded', waiting) }), { testid: 'instruction-remind' })
    : null;
  return h('div', { class: 'stack', testid: 'instruction-detail' },
    h('p', { class: 'instruction__body' }, ins.body),
    table([
      { label: t('instructions.school'), cell: (r) => r.org.name },
      { label: t('instructions.status'), cell: (r) => (r.acknowledged_at
        ? chip(t('instructions.taken_up_by', { name: r.acknowledged_by ? r.acknowledged_by.name : '', when: when(r.acknowledged_at) }), 'ok')
        : chip(t('instructions.not_yet'), 'warn')) },
    ], ins.recipients, { testid: 'instruction-schools', rowTestid: () => 'instruction-school', label: ins.title }),
    remind);
}

function sentItem(muniId, item) {
  const holder = h('div', {});
  const load = async () => {
    try {
      replace(holder, detailCard(muniId, await get(`/municipalities/${muniId}/instructions/${item.id}`), load));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  const open = button(t('instructions.who'), (event) => {
    const shown = Boolean(holder.firstChild);
    if (shown) replace(holder);
    else load();
    event.currentTarget.setAttribute('aria-expanded', String(!shown));
  }, { testid: 'instruction-open' });
  open.setAttribute('aria-expanded', 'false');
  return h('li', { class: 'invite', testid: 'sent-instruction', dataset: { id: String(item.id) } },
    h('strong', {}, item.title),
    h('span', { class: 'muted small' }, `${t('instructions.deadline_short', { when: when(item.deadline) })} · ${t('instructions.progress', { done: item.acknowledged, total: item.schools })}`),
    h('div', { class: 'row row--wrap' }, open), holder);
}

export async function municipalInstructionsView(ctx) {
  const muni = (session.user.municipalities || [])[0];
  if (!muni) return h('div', {}, empty(t('instructions.no_municipality')));
  const orgs = ((await get('/organizations')).organizations || []);
  const listHolder = h('div', { testid: 'instructions-sent' });
  const reload = async () => {
    try {
      const list = (await get(`/municipalities/${muni.id}/instructions`)).instructions || [];
      replace(listHolder, list.length
        ? h('ul', { class: 'invites' }, list.map((i) => sentItem(muni.id, i)))
        : empty(t('instructions.none_sent')));
    } catch (error) {
      replace(listHolder, errorBox(error));
    }
  };
  const tomorrow = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
  const compose = form({
    testid: 'instruction-new',
    fields: [
      field({ name: 'title', label: t('instructions.field_title'), required: true, maxlength: 200, testid: 'instruction-title' }),
      field({ name: 'body', label: t('instructions.field_body'), type: 'textarea', rows: 5, required: true, maxlength: 10000, testid: 'instruction-body' }),
      field({ name: 'deadline', label: t('instructions.field_deadline'), type: 'date', required: true, value: tomorrow, testid: 'instruction-deadline' }),
      h('fieldset', { class: 'field', testid: 'instruction-schools-pick' },
        h('legend', { class: 'label' }, t('instructions.field_schools')),
        field({ name: 'all', label: t('instructions.all_schools'), type: 'checkbox', value: true, testid: 'instruction-all' }),
        orgs.map((o) => field({ name: `org_${o.id}`, label: o.name, type: 'checkbox', testid: 'instruction-school-pick' }))),
    ],
    actions: [submit(t('instructions.send'), 'instruction-send')],
    onsubmit: async (values, el) => {
      // The end of the chosen day, in the administrator's own time zone.
      const deadline = values.deadline ? new Date(`${values.deadline}T23:59:00`).toISOString() : '';
      const picked = orgs.filter((o) => values[`org_${o.id}`]).map((o) => o.id);
      const sent = await post(`/municipalities/${muni.id}/instructions`, {
        title: values.title, body: values.body, deadline, org_ids: values.all ? null : picked,
      });
      toast(tn('instructions.sent', sent.schools));
      el.reset();
      await reload();
    },
  });
  ctx.onLeave(onNetwork(() => reload()));
  await reload();
  // The municipality's channel to the schools' administrators: made when first opened.
  const channel = button(t('instructions.channel'), (event) => busy(event.currentTarget, async () => {
    const opened = await post(`/municipalities/${muni.id}/channel`);
    navigate(`/chats/${opened.chat_id}`);
  }), { testid: 'municipal-channel' });
  return h('div', { class: 'stack stack--page instructions', testid: 'municipal-instructions' },
    pageHeader(t('instructions.municipal_title'), muni.name, channel),
    cardTitled(t('instructions.new_title'), compose),
    cardTitled(t('instructions.sent_title'), listHolder));
}
