// A teacher asks the administrator to confirm their status «teacher» (R12).

import { post } from '../api.js';
import { h } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { isTeacher, membership, orgPath, refreshSession } from '../session.js';
import { card, pageHeader, toast, verifiedBadge } from '../ui.js';

export async function verificationRequestView(ctx) {
  const m = membership();
  const status = (m && m.verification) || 'none';
  const parts = [pageHeader(t('verify_me.title'), t('verify_me.lead'))];
  if (!isTeacher()) {
    parts.push(card(h('p', {}, t('verify_me.not_teacher'))));
    return h('div', { class: 'stack stack--page' }, parts);
  }
  const statusLine = h('p', { class: ['status-line', `status-line--${status}`], testid: 'verification-status' },
    status === 'verified' ? verifiedBadge() : null, ' ', t(`verify_me.status_${status}`));
  const canAsk = status === 'none' || status === 'refused';
  const askForm = canAsk ? form({
    testid: 'verification-form',
    fields: [field({
      name: 'position', label: t('verify_me.position'), value: (m && m.position) || '', testid: 'verification-position',
      placeholder: t('verify_me.position_placeholder'), maxlength: 200,
    })],
    actions: [submit(t('verify_me.ask'), 'request-verification')],
    onsubmit: async (values) => {
      await post(orgPath('/verification'), values.position ? { position: values.position } : {});
      await refreshSession();
      toast(t('verify_me.asked'));
      ctx.refresh();
    },
  }) : null;
  parts.push(card(statusLine, askForm));
  return h('div', { class: 'stack stack--page', testid: 'verify-me' }, parts);
}
