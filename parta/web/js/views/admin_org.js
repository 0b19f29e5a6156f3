// The organization's profile (R3) and its gradebook link (R43).

import { get, patch } from '../api.js';
import { h } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { formatDate, t } from '../i18n.js';
import { orgPath, session } from '../session.js';
import { cardTitled, facts, pageHeader, toast } from '../ui.js';
import { reconciliationReminder } from '../roster/reminder.js';
import { schoolQuietHoursCard } from '../push.js';

const EDITABLE = [
  ['name', 'text', true], ['short_name', 'text'], ['address', 'text'], ['phone', 'tel'], ['email', 'email'],
  ['website', 'url'], ['gradebook_url', 'url'], ['description', 'textarea'],
];

export async function orgProfileView(ctx) {
  const [org, reminder] = await Promise.all([get(orgPath()), reconciliationReminder()]);
  const quiet = await schoolQuietHoursCard(org.id);
  const orgForm = form({
    testid: 'org-form',
    className: 'form--grid',
    fields: EDITABLE.map(([name, type, required]) => field({
      name, type, required, label: t(`org.${name}`), value: org[name] || '', testid: `org-${name.replace('_', '-')}`,
      hint: name === 'gradebook_url' ? t('org.gradebook_hint') : null,
      wide: name === 'name' || name === 'description' || name === 'gradebook_url',
      placeholder: type === 'url' ? 'https://' : null,
    })),
    actions: [submit(t('common.save'), 'org-save')],
    onsubmit: async (values) => {
      const changes = {};
      for (const [name] of EDITABLE) if ((org[name] || '') !== values[name]) changes[name] = values[name];
      if (!Object.keys(changes).length) {
        toast(t('common.nothing_changed'));
        return;
      }
      session.org = await patch(orgPath(), changes);
      toast(t('org.saved'));
      ctx.refresh();
    },
  });
  return h('div', { class: 'stack stack--page', testid: 'org-profile' },
    pageHeader(t('org.title'), t('org.lead')),
    reminder,
    cardTitled(t('org.facts'), facts([
      [t('org.kind'), t(`org_kinds.${org.kind}`)],
      [t('org.region'), org.region && org.region.name],
      [t('org.municipality'), org.municipality && org.municipality.name],
      [t('org.created_at'), formatDate(org.created_at, false)],
    ])),
    cardTitled(t('org.edit'), orgForm),
    quiet);
}
