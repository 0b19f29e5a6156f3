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
import { fileRow } from '../chat/attachments.js';
import { createUploads } from '../chat/uploads.js';

// An instruction's files, as rows to download (its readers' own links: the school's or the
// municipality's).
function filesList(files) {
  if (!files || !files.length) return null;
  return h('div', { class: 'stack instruction__files', testid: 'instruction-files' },
    h('span', { class: 'muted small' }, tn('instructions.files_attached', files.length)),
    files.map((f) => fileRow(f, 'instruction-file')));
}

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
    filesList(ins.files),
    h('div', { class: 'row row--wrap' }, action));
}

export async function instructionsView(ctx) {
  const holder = h('div', { testid: 'instructions-incoming' });
  let list = [];
  const draw = () => replace(holder, list.length
    ? h('ul', { class: 'invites' }, list.map((i) => incomingItem(i, reload)))
    : empty(t('instructions.none')));
  async function reload() {
    try {
      list = (await get(orgPath('/instructions'))).instructions || [];
      draw();
    } catch (error) {
      replace(holder, errorBox(error));
    }
  }
  // An instruction that comes (or is reminded of) carries itself, files included, as the list
  // shows it: it takes its place in the list (newest first) as it is; anything else is read
  // again.
  ctx.onLeave(onNetwork((event) => {
    if (event && event.type === 'instruction.received' && event.instruction) {
      if (event.org_id !== session.orgId) return; // another school of the same administrator
      list = [event.instruction, ...list.filter((i) => i.id !== event.instruction.id)]
        .sort((a, b) => b.id - a.id);
      draw();
      return;
    }
    reload();
  }));
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
    filesList(ins.files),
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
  // Files upload as soon as they are chosen (with progress), then go with the instruction.
  const uploads = createUploads({ path: `/municipalities/${muni.id}/instruction-files`, tooMany: 'instructions.too_many_files' });
  ctx.onLeave(() => uploads.destroy());
  const picker = h('input', { type: 'file', multiple: true, hidden: true, testid: 'instruction-file-input', tabindex: '-1' });
  picker.addEventListener('change', () => {
    uploads.add([...picker.files]);
    picker.value = ''; // the same file may be chosen again
  });
  const attach = button(t('instructions.attach'), () => picker.click(), { testid: 'instruction-attach' });
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
      h('fieldset', { class: 'field', testid: 'instruction-files-pick' },
        h('legend', { class: 'label' }, t('instructions.field_files')),
        uploads.el, h('div', { class: 'row row--wrap' }, attach, picker),
        h('p', { class: 'field-error', 'data-error-for': 'file_ids', testid: 'instruction-files-error', hidden: true })),
    ],
    actions: [submit(t('instructions.send'), 'instruction-send')],
    onsubmit: async (values, el) => {
      // The end of the chosen day, in the administrator's own time zone.
      const deadline = values.deadline ? new Date(`${values.deadline}T23:59:00`).toISOString() : '';
      const picked = orgs.filter((o) => values[`org_${o.id}`]).map((o) => o.id);
      if (uploads.uploading()) {
        toast(t('files.wait_upload'), 'error');
        return;
      }
      const sent = await post(`/municipalities/${muni.id}/instructions`, {
        title: values.title, body: values.body, deadline, org_ids: values.all ? null : picked,
        file_ids: uploads.ready().map((f) => f.id),
      });
      toast(tn('instructions.sent', sent.schools));
      el.reset();
      uploads.clearSent();
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
