// Consents (152-ФЗ) for the administration: by class, how many students lack their parents'
// full consent and who they are; a paper consent form is recorded here.

import { get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { t, tn } from '../i18n.js';
import { orgPath } from '../session.js';
import { button, card, chip, empty, errorBox, pageHeader, table, toast } from '../ui.js';
import { PURPOSES, statusChip } from '../privacy/consents.js';

/** The paper form in a dialog: the parent's name as written, what they agreed to or withdrew. */
function paperDialog(child, reload) {
  const dialog = h('dialog', { class: 'dialog', testid: 'paper-consent-dialog', 'aria-labelledby': 'paper-consent-title' });
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  const paper = form({
    testid: 'paper-consent-form',
    fields: [
      field({ name: 'parent_name', label: t('consents.parent_name'), required: true, maxlength: 200, testid: 'paper-parent-name' }),
      field({
        name: 'status', label: t('consents.paper_status'), type: 'select', value: 'given', testid: 'paper-status',
        options: [['given', t('consents.status.given')], ['withdrawn', t('consents.status.withdrawn')]],
      }),
      ...PURPOSES.map((p) => field({
        name: `purpose_${p}`, label: t(`consents.purposes.${p}`), type: 'checkbox',
        value: child.missing.includes(p), testid: `paper-purpose-${p}`,
      })),
      field({ name: 'note', label: t('consents.note'), maxlength: 500, testid: 'paper-note' }),
    ],
    actions: [
      submit(t('consents.record'), 'paper-record'),
      button(t('common.cancel'), close, { testid: 'paper-cancel' }),
    ],
    onsubmit: async (values) => {
      const purposes = PURPOSES.filter((p) => values[`purpose_${p}`]);
      await post(orgPath('/consents/paper'), {
        child_id: child.child.id, purposes, status: values.status, parent_name: values.parent_name, note: values.note,
      });
      close();
      toast(t('consents.recorded'));
      await reload();
    },
  });
  dialog.append(h('h2', { id: 'paper-consent-title', class: 'card__title' }, t('consents.paper_title', { name: child.child.name })), paper);
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    close();
  });
  document.body.append(dialog);
  dialog.showModal();
  dialog.querySelector('input')?.focus();
}

function classCard(c, reload) {
  const title = c.group ? c.group.name : t('consents.no_class');
  const counts = h('p', { class: 'chips', testid: 'consent-class-counts' },
    chip(tn('consents.children_n', c.children)),
    chip(tn('consents.gaps_n', c.gaps.length), c.gaps.length ? 'warn' : 'ok'),
    c.withdrawn ? chip(tn('consents.withdrawn_n', c.withdrawn), 'danger') : null);
  const columns = [
    { label: t('consents.child'), cell: (g) => h('strong', {}, g.child.name) },
    ...PURPOSES.map((p) => ({ label: t(`consents.purposes.${p}`), cell: (g) => statusChip(g.purposes[p]) })),
    {
      label: '',
      srLabel: t('consents.actions'),
      cell: (g) => h('div', { class: 'row row--wrap' },
        g.restricted ? chip(t('consents.restricted'), 'danger') : null,
        button(t('consents.paper'), () => paperDialog(g, reload), { testid: `paper-consent-${g.child.id}` })),
    },
  ];
  return h('section', { class: 'card', testid: 'consent-class' },
    h('h2', { class: 'card__title' }, title), counts,
    c.gaps.length ? table(columns, c.gaps, { testid: 'consent-gaps', rowTestid: (g) => `consent-gap-${g.child.id}` }) : null);
}

export async function consentsAdminView() {
  const holder = h('div', { class: 'stack', 'aria-live': 'polite' });
  const reload = async () => {
    try {
      const gaps = await get(orgPath('/consents/gaps'));
      const summary = card(
        h('p', { testid: 'consent-totals' }, t('consents.totals', { children: gaps.children, complete: gaps.complete })));
      const parts = [summary, ...gaps.classes.map((c) => classCard(c, reload))];
      if (!gaps.gaps) parts.push(empty(t('consents.no_gaps')));
      replace(holder, ...parts);
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  await reload();
  return h('div', { class: 'stack stack--page', testid: 'consents-admin' },
    pageHeader(t('consents.title'), t('consents.lead')), holder);
}
