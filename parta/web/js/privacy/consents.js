// A parent's consents for their children (152-ФЗ): on the home page while something is
// missing, and in the profile for every child, where a consent can also be withdrawn.

import { get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { busy, button, chip, confirmDialog } from '../ui.js';
import { deletionBlock } from './my_data.js';

export const PURPOSES = ['processing', 'chats', 'photos', 'calls'];
const STATUS_KIND = { given: 'ok', withdrawn: 'danger', none: 'warn' };

export function statusChip(status) {
  return chip(t(`consents.status.${status}`), STATUS_KIND[status] || '');
}

function change(doc, child, purposes, status) {
  return post('/me/consents', {
    org_id: child.org.id, child_id: child.child.id, purposes, status, document_version: doc.version,
  });
}

function purposeRow(doc, child, purpose, reload) {
  const status = child.purposes[purpose];
  const testid = `consent-${child.child.id}-${purpose}`;
  const action = status === 'given'
    ? button(t('consents.withdraw'), async (event) => {
      const target = event.currentTarget;
      const question = t('consents.withdraw_confirm', { purpose: t(`consents.purposes.${purpose}`), name: child.child.name });
      if (!(await confirmDialog(question, { confirmLabel: t('consents.withdraw') }))) return;
      await busy(target, async () => {
        await change(doc, child, [purpose], 'withdrawn');
        await reload();
      }, { ok: t('consents.withdrawn_toast') });
    }, { kind: 'danger-ghost', testid: `${testid}-withdraw` })
    : button(t('consents.give'), async (event) => {
      await busy(event.currentTarget, async () => {
        await change(doc, child, [purpose], 'given');
        await reload();
      }, { ok: t('consents.given_toast') });
    }, { testid: `${testid}-give` });
  return h('li', { class: 'list-item consent-purpose', testid },
    h('div', { class: 'list-item__main' },
      h('strong', {}, t(`consents.purposes.${purpose}`)), ' ', statusChip(status)),
    action);
}

function childBlock(doc, child, reload, withDeletion) {
  const where = child.group
    ? t('consents.school_class', { school: child.org.name, group: child.group.name })
    : child.org.name;
  const giveAll = child.missing.length
    ? button(t('consents.give_all'), async (event) => {
      await busy(event.currentTarget, async () => {
        await change(doc, child, child.missing, 'given');
        await reload();
      }, { ok: t('consents.given_toast') });
    }, { kind: 'primary', testid: `consent-${child.child.id}-give-all` })
    : null;
  return h('section', { class: 'consent-child stack', testid: 'consent-child' },
    h('h3', { class: 'consent-child__name' }, child.child.name),
    h('p', { class: 'muted small' }, where),
    h('ul', { class: 'list' }, PURPOSES.map((p) => purposeRow(doc, child, p, reload))),
    giveAll,
    withDeletion ? h('details', { class: 'consent-document', testid: `child-deletion-${child.child.id}` },
      h('summary', {}, t('my_data.child_delete')),
      deletionBlock(`/me/children/${child.child.id}/deletion`, {
        pendingKey: 'my_data.child_delete_pending', askLabel: t('my_data.child_delete'),
        // The child's data, said as the child's: «ваши файлы», «Удалить мои данные» would be the parent's.
        leadKey: 'my_data.child_delete_lead', confirmLabel: t('my_data.child_delete_confirm', { name: child.child.name }),
      })) : null);
}

/** The card, or null when the person is nobody's confirmed parent (or, with `gapsOnly`,
 *  when every consent is given). */
export async function consentsCard({ gapsOnly = false } = {}) {
  let answer;
  try {
    answer = await get('/me/consents');
  } catch {
    return null;
  }
  const wanted = (data) => (data.children || []).filter((c) => !gapsOnly || c.missing.length);
  if (!wanted(answer).length) return null;
  const holder = h('div', { class: 'stack', 'aria-live': 'polite' });
  const document = h('details', { class: 'consent-document' },
    h('summary', {}, t('consents.document', { version: answer.document.version })),
    h('p', { class: 'small', testid: 'consent-document-text' }, answer.document.text));
  const show = (data) => {
    const children = wanted(data);
    replace(holder, ...children.map((c) => childBlock(data.document, c, reload, !gapsOnly)));
  };
  async function reload() {
    show(await get('/me/consents'));
  }
  show(answer);
  return h('section', { class: ['card', gapsOnly && 'card--attention'], testid: gapsOnly ? 'consent-prompt' : 'consents-card' },
    h('h2', { class: 'card__title' }, t(gapsOnly ? 'consents.card_title' : 'consents.card_all_title')),
    gapsOnly ? h('p', { class: 'hint' }, t('consents.card_lead')) : null,
    document, holder);
}
