// My profile (R18): name, e-mail, language; removals from chats and their appeals (R31);
// where I am signed in; signing out.

import { del, get, patch, post } from '../api.js';
import { h, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { formatDate, LANGUAGES, loadLanguage, t } from '../i18n.js';
import { signOut } from '../layout.js';
import { memberships, session, setUser } from '../session.js';
import {
  busy, button, cardTitled, confirmDialog, empty, errorBox, facts, formatPhone, pageHeader, roleChips, toast,
} from '../ui.js';
import { removalsCard } from '../moderation/removals.js';
import { consentsCard } from '../privacy/consents.js';
import { deletionCard, exportCard } from '../privacy/my_data.js';
import { notificationsCard } from '../push.js';

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
      profileForm(ctx)),
    orgs.length
      ? cardTitled(t('profile.memberships'), h('ul', { class: 'list' }, orgs.map((m) => h('li', { class: 'list-item' },
        h('div', { class: 'list-item__main' }, h('strong', {}, m.org.name), ' ', roleChips(m.roles),
          m.position ? h('p', { class: 'muted small' }, m.position) : null)))))
      : null,
    removals.el,
    await consentsCard(),
    await notificationsCard(),
    sessionsCard(),
    exportCard(ctx),
    deletionCard(),
    h('p', { class: 'hint' }, t('profile.security_note')));
}
