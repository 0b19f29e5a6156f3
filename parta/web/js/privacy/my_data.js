// «My data» in the profile (152-ФЗ): download an archive of everything Parta holds about me,
// and ask for my data to be deleted (confirmed by a code sent to my phone, cancellable for
// the grace period). A student is told that a parent or the school asks for them.

import { del, get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { formatDate, t, tn } from '../i18n.js';
import { watch } from '../events/topics.js';
import { memberships, session } from '../session.js';
import { busy, button, cardTitled, confirmDialog, errorBox } from '../ui.js';

function exportBody(state, reload) {
  const text = t(`my_data.export_state.${state.state}`, { until: formatDate(state.expires_at) });
  const building = state.state === 'pending' || state.state === 'running';
  const start = button(t(state.state === 'done' ? 'my_data.export_again' : 'my_data.export'), async (event) => {
    await busy(event.currentTarget, async () => {
      await post('/me/export');
      await reload();
    });
  }, { kind: state.state === 'done' ? 'secondary' : 'primary', testid: 'export-start' });
  const download = state.state === 'done' && state.download_url
    ? h('a', { href: state.download_url, class: 'btn btn--primary', download: '', testid: 'export-download' }, t('my_data.download'))
    : null;
  return [
    h('p', { class: 'hint' }, t('my_data.export_lead', { hours_text: tn('my_data.hours_n', state.keep_hours) })),
    h('p', { testid: 'export-state', dataset: { state: state.state } }, text),
    h('div', { class: 'row row--wrap' }, download,
      building ? button(t('my_data.refresh'), reload, { testid: 'export-refresh' }) : start),
  ];
}

export function exportCard(ctx) {
  const holder = h('div', { class: 'stack', 'aria-live': 'polite' });
  const reload = async () => {
    try {
      replace(holder, ...exportBody(await get('/me/export'), reload));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  reload();
  ctx.onLeave(watch('my_data_export', () => reload()));
  return cardTitled(t('my_data.title'), holder);
}

const onlyStudent = () => {
  const roles = new Set(memberships().flatMap((m) => m.roles || []));
  return roles.has('student') && !['org_admin', 'administration', 'teacher', 'parent'].some((r) => roles.has(r));
};

/** Ask for a sign-in code, then confirm the deletion of `path`'s person with it. */
async function askCode(holder, path, reload, confirmLabel) {
  const answer = await post('/auth/code', { phone: session.user.phone });
  const masked = (answer.masked_destination || '').replace(/ /g, '\u00a0');
  const confirmForm = form({
    testid: 'deletion-form',
    fields: [field({ name: 'code', label: t('my_data.code'), required: true, inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6, testid: 'deletion-code' })],
    actions: [
      submit(confirmLabel, 'deletion-confirm', 'danger'),
      button(t('common.cancel'), reload, { testid: 'deletion-back' }),
    ],
    onsubmit: async (values) => {
      await post(path, { code: values.code });
      await reload();
    },
  });
  replace(holder, h('p', { role: 'status' }, t('my_data.delete_code_sent', { to: masked })), confirmForm);
  confirmForm.querySelector('input')?.focus();
}

function deletionBody(state, path, reload, holder, opts) {
  const { pendingKey, askLabel, confirmLabel, leadKey, asker, otherPendingKey } = opts;
  if (state.state === 'pending' || state.state === 'running') {
    // Whoever asked, cancels: with `asker`, another's request is shown but not offered to cancel.
    const another = asker ? state.reason !== asker : state.reason === 'parent' && path === '/me/deletion';
    const key = another ? otherPendingKey : pendingKey;
    const cancel = state.can_cancel && !another
      ? button(t('my_data.delete_cancel'), async (event) => {
        await busy(event.currentTarget, async () => {
          await del(path);
          await reload();
        }, { ok: t('my_data.delete_cancelled') });
      }, { kind: 'primary', testid: 'deletion-cancel' })
      : null;
    return [h('p', { class: 'alert alert--warn', testid: 'deletion-state' }, t(key, { due: formatDate(state.due_at) })), cancel];
  }
  const lead = t(leadKey, { days: state.grace_days, days_text: tn('my_data.days_n', state.grace_days) });
  return [h('p', { class: 'hint' }, lead), button(askLabel, async (event) => {
    if (!(await confirmDialog(lead, { confirmLabel: askLabel }))) return;
    await busy(event.currentTarget, () => askCode(holder, path, reload, confirmLabel));
  }, { kind: 'danger', testid: 'deletion-ask' })];
}

/** The deletion block for `path` ('/me/deletion', '/me/children/{id}/deletion' or the school's
 *  '/orgs/{id}/students/{id}/deletion'). `asker` ('parent', 'school') is who asks here: a request
 *  someone else made is shown with `otherPendingKey` and without the cancel button. */
export function deletionBlock(path, {
  pendingKey = 'my_data.delete_pending', askLabel = t('my_data.delete_ask'),
  confirmLabel = t('my_data.delete_confirm'), leadKey = 'my_data.delete_lead',
  asker = null, otherPendingKey = 'my_data.delete_pending_parent',
} = {}) {
  const holder = h('div', { class: 'stack', 'aria-live': 'polite' });
  const opts = { pendingKey, askLabel, confirmLabel, leadKey, asker, otherPendingKey };
  const reload = async () => {
    try {
      replace(holder, ...deletionBody(await get(path), path, reload, holder, opts));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  reload();
  return holder;
}

export function deletionCard() {
  if (onlyStudent()) {
    return cardTitled(t('my_data.delete_title'),
      h('p', { class: 'hint', testid: 'deletion-student' }, t('my_data.delete_student')),
      deletionBlockReadOnly());
  }
  return cardTitled(t('my_data.delete_title'), deletionBlock('/me/deletion'));
}

/** A student sees a deletion their parent asked for, but asks for none themselves. */
function deletionBlockReadOnly() {
  const holder = h('div', {});
  get('/me/deletion').then((state) => {
    if (state.state === 'pending' || state.state === 'running') {
      replace(holder, h('p', { class: 'alert alert--warn', testid: 'deletion-state' },
        t('my_data.delete_pending_parent', { due: formatDate(state.due_at) })));
    }
  }).catch(() => {});
  return holder;
}
