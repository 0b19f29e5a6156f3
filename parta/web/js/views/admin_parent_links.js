// Parent links: a parent said whose parent they are; staff confirm by choosing the child.

import { get, post, qs } from '../api.js';
import { h, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { orgPath } from '../session.js';
import {
  busy, button, cardTitled, confirmDialog, empty, errorBox, facts, pageHeader, personName, toast,
} from '../ui.js';

async function studentsOf(groupId) {
  if (!groupId) return [];
  const answer = await get(orgPath(`/members${qs({ role: 'student', group_id: groupId })}`));
  return answer.members || [];
}

/** Put the claimed name first among the class's students when it matches. */
function bestMatch(students, claimed) {
  const wanted = (claimed || '').toLowerCase().replace(/\s+/g, ' ').trim();
  const hit = students.find((s) => (s.name || '').toLowerCase().replace(/\s+/g, ' ').trim() === wanted);
  return hit ? hit.user_id : '';
}

async function linkItem(link, reload) {
  let students = [];
  let loadError = null;
  try {
    students = await studentsOf(link.group && link.group.id);
  } catch (error) {
    loadError = error;
  }
  const confirmForm = form({
    testid: `parent-link-form-${link.id}`,
    className: 'form--inline',
    fields: [field({
      name: 'child_user_id', label: t('parent_links.choose_child'), type: 'select', required: true,
      value: bestMatch(students, link.child_name_claimed), testid: `parent-link-child-${link.id}`,
      options: [['', students.length ? t('parent_links.choose') : t('parent_links.no_students')]]
        .concat(students.map((s) => [s.user_id, s.name])),
    })],
    actions: [submit(t('parent_links.confirm'), `parent-link-confirm-${link.id}`)],
    onsubmit: async (values, el) => {
      if (!values.child_user_id) {
        throw { message: t('parent_links.choose_child'), fields: { child_user_id: t('parent_links.choose_child') } };
      }
      await post(orgPath(`/parent-links/${link.id}/confirm`), { child_user_id: Number(values.child_user_id) });
      el.reset();
      toast(t('parent_links.confirmed'));
      await reload();
    },
  });
  const refuse = button(t('parent_links.refuse'), async (event) => {
    const target = event.currentTarget;
    if (!(await confirmDialog(t('parent_links.refuse_confirm')))) return;
    await busy(target, async () => {
      await post(orgPath(`/parent-links/${link.id}/refuse`), {});
      await reload();
    }, { ok: t('parent_links.refused') });
  }, { kind: 'danger-ghost', testid: `parent-link-refuse-${link.id}` });
  return h('li', { class: 'list-item list-item--card', testid: 'parent-link-row' },
    h('div', { class: 'list-item__main stack' },
      facts([
        [t('parent_links.parent'), personName(link.parent)],
        [t('parent_links.claimed'), link.child_name_claimed],
        [t('parent_links.group'), link.group && link.group.name],
      ]),
      loadError ? errorBox(loadError) : confirmForm),
    refuse);
}

export async function parentLinksView() {
  const holder = h('div', { 'aria-live': 'polite' });
  const reload = async () => {
    try {
      const answer = await get(orgPath(`/parent-links${qs({ status: 'pending' })}`));
      const links = answer.links || [];
      const items = await Promise.all(links.map((l) => linkItem(l, reload)));
      replace(holder, items.length ? h('ul', { class: 'list', testid: 'parent-links-list' }, items) : empty(t('parent_links.none')));
    } catch (error) {
      replace(holder, errorBox(error));
    }
  };
  await reload();
  return h('div', { class: 'stack stack--page', testid: 'parent-links' },
    pageHeader(t('parent_links.title'), t('parent_links.lead')),
    cardTitled(t('parent_links.pending'), holder));
}
