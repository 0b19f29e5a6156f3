// My profile (R18): name, e-mail, language; removals from chats and their appeals (R31);
// where I am signed in; signing out.

import { del, get, patch, post } from '../api.js';
import { h, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { formatDate, LANGUAGES, loadLanguage, t } from '../i18n.js';
import { signOut } from '../layout.js';
import { isStaff, memberships, session, setUser } from '../session.js';
import {
  busy, button, cardTitled, confirmDialog, empty, errorBox, facts, formatPhone, pageHeader, roleChips, toast,
} from '../ui.js';
import { removalsCard } from '../moderation/removals.js';
import { consentsCard } from '../privacy/consents.js';
import { deletionCard, exportCard } from '../privacy/my_data.js';
import { notificationsCard } from '../push.js';
import { officeHoursCard } from '../office_hours.js';

function profileForm(ctx) {
  const user = session.user;
  return form({
    testid: 'profile-form',
    fields: [
      field({ name: 'name', label: t('profile.name'), required: true, value: user.name, testid: 'profile-name', autocomplete: 'name', maxlength: 200 }),
      field({ name: 'email', label: t('profile.email'), type: 'email', value: user.email, testid: 'profile-email', autocomplete: 'email', hint: t('profile.email_hint') }),
      field({
        name: 'language', label: t('profile.language'), type: 'select', value: user.language || 'ru', testid: 'profile-language',
        options: LANGUAGES.map((code) => [code, t(`languages.${code}`)]),
      }),
    ],
    actions: [submit(t('common.save'), 'profile-save')],
    onsubmit: async (values) => {
      const changedLanguage = values.language !== user.language;
      const updated = await patch('/me', { name: values.name, email: values.email, language: values.language });
      setUser(updated);
      if (changedLanguage) await loadLanguage(updated.language || values.language);
      toast(t('profile.saved'));
      ctx.refresh();
    },
  });
}

/** The address is not known to be theirs until a code sent to it comes back (then the e-mail
 * digest may go there). */
function emailConfirmation(ctx) {
  const user = session.user;
  if (!user.email) return null;
  if (user.email_confirmed) {
    return h('p', { testid: 'email-confirmed' }, h('span', { class: 'chip chip--ok' }, t('profile.email_confirmed')));
  }
  const box = h('div', { class: 'stack', testid: 'email-confirmation' });
  const note = () => h('p', { class: 'hint' }, t('profile.email_unconfirmed'));
  const codeForm = (destination) => form({
    testid: 'email-confirm-form',
    fields: [field({
      name: 'code', label: t('profile.email_code'), required: true, testid: 'email-code', autocomplete: 'one-time-code',
      inputmode: 'numeric', maxlength: 12, hint: t('profile.email_code_sent', { destination }),
    })],
    actions: [submit(t('profile.email_confirm'), 'email-confirm')],
    onsubmit: async (values) => {
      setUser(await post('/me/email/confirm', { code: values.code }));
      toast(t('profile.email_confirmed_toast'));
      ctx.refresh();
    },
  });
  const send = button(t('profile.email_send_code'), (event) => busy(event.currentTarget, async () => {
    const answer = await post('/me/email/code');
    replace(box, note(), codeForm(answer.masked_destination));
  }), { testid: 'email-send-code' });
  replace(box, note(), send);
  return box;
}

/** 'Mozilla/5.0 (X11; Linux x86_64) … Chrome/126 …' → 'Chrome · Linux'. */
function deviceName(s) {
  const ua = s.device || '';
  const browsers = [['YaBrowser', 'Яндекс Браузер'], ['Edg/', 'Edge'], ['OPR/', 'Opera'], ['Firefox/', 'Firefox'],
    ['Chrome/', 'Chrome'], ['Safari/', 'Safari']];
  const systems = [['Android', 'Android'], ['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Windows', 'Windows'],
    ['Mac OS', 'macOS'], ['Linux', 'Linux']];
  const browser = browsers.find(([needle]) => ua.includes(needle));
  const system = systems.find(([needle]) => ua.includes(needle));
  if (browser || system) return [browser && browser[1], system && system[1]].filter(Boolean).join(' · ');
  return ua.slice(0, 60) || t(`sessions.kind_${s.kind}`);
}

function sessionRow(s, reload) {
  const end = s.current ? null : button(t('sessions.end'), async (event) => {
    await busy(event.currentTarget, async () => {
      await del(`/me/sessions/${s.id}`);
      await reload();
    }, { ok: t('sessions.ended_one') });
  }, { small: true, testid: `end-session-${s.id}` });
  return h('li', { class: ['list-item', s.current && 'is-current'], testid: 'session-row' },
    h('div', { class: 'list-item__main' },
      h('strong', { title: s.device || '' }, deviceName(s)), ' ',
      s.current ? h('span', { class: 'chip chip--ok' }, t('sessions.current')) : null,
      h('p', { class: 'muted small' },
        t('sessions.details', { ip: s.ip || '—', created: formatDate(s.created_at), seen: formatDate(s.last_seen_at) }))),
    end);
}

function sessionsCard() {
  const list = h('div', {});
  const reload = async () => {
    try {
      const answer = await get('/me/sessions');
      const items = answer.sessions || [];
      replace(list, items.length ? h('ul', { class: 'list', testid: 'sessions' }, items.map((s) => sessionRow(s, reload))) : empty(t('sessions.none')));
    } catch (error) {
      replace(list, errorBox(error));
    }
  };
  reload();
  const endOthers = button(t('sessions.end_others'), async (event) => {
    const target = event.currentTarget;
    if (!(await confirmDialog(t('sessions.end_others_confirm'), { confirmLabel: t('sessions.end_others') }))) return;
    await busy(target, async () => {
      const answer = await post('/me/sessions/end-others');
      toast(t('sessions.ended_n', { count: answer.ended ?? 0 }));
      await reload();
    });
  }, { testid: 'end-other-sessions' });
  return cardTitled(t('sessions.title'), h('p', { class: 'hint' }, t('sessions.lead')), list,
    h('div', { class: 'row row--wrap' }, endOthers,
      button(t('nav.sign_out'), signOut, { kind: 'ghost', testid: 'profile-sign-out' })));
}

export async function profileView(ctx) {
  const user = session.user;
  const orgs = memberships();
  const removals = removalsCard();
  ctx.onLeave(removals.stop);
  return h('div', { class: 'stack stack--page', testid: 'profile' },
    pageHeader(t('profile.title'), t('profile.lead')),
    cardTitled(t('profile.about'),
      facts([[t('profile.phone'), formatPhone(user.phone)]]),
      profileForm(ctx), emailConfirmation(ctx)),
    orgs.length
      ? cardTitled(t('profile.memberships'), h('ul', { class: 'list' }, orgs.map((m) => h('li', { class: 'list-item' },
        h('div', { class: 'list-item__main' }, h('strong', {}, m.org.name), ' ', roleChips(m.roles),
          m.position ? h('p', { class: 'muted small' }, m.position) : null)))))
      : null,
    isStaff() && session.orgId ? await officeHoursCard(session.orgId) : null,
    removals.el,
    await consentsCard(),
    await notificationsCard(),
    sessionsCard(),
    exportCard(ctx),
    deletionCard(),
    h('p', { class: 'hint' }, t('profile.security_note')));
}
