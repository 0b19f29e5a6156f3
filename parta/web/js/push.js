// Web Push on this device, and the person's notification settings (the profile's card).
//
// The browser is asked for permission only from a button the person presses. A subscription is
// sent to the server on every start too, so one the push service renewed reaches it.

import { del, get, post, put } from './api.js';
import { h, replace } from './dom.js';
import { field, form, submit } from './forms.js';
import { t, tn } from './i18n.js';
import { busy, button, cardTitled, errorBox, toast } from './ui.js';
import { memberships } from './session.js';

/** A parent in any school: the one who may get an SMS for an urgent post. */
const isParent = () => memberships().some((m) => (m.roles || []).includes('parent'));

const STORE = 'parta.push.subscription';

export const pushSupported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

function keyBytes(base64url) {
  const padded = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function deviceLabel() {
  const ua = navigator.userAgent;
  const browser = [['YaBrowser', 'Яндекс Браузер'], ['Edg/', 'Edge'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari']]
    .find(([needle]) => ua.includes(needle));
  const system = [['Android', 'Android'], ['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Windows', 'Windows'], ['Mac OS', 'macOS'], ['Linux', 'Linux']]
    .find(([needle]) => ua.includes(needle));
  return [browser && browser[1], system && system[1]].filter(Boolean).join(' · ');
}

async function current() {
  const registration = await navigator.serviceWorker.ready;
  return { registration, subscription: await registration.pushManager.getSubscription() };
}

async function send(subscription) {
  const answer = await post('/push/subscriptions', { ...subscription.toJSON(), label: deviceLabel() });
  try {
    localStorage.setItem(STORE, String(answer.id));
  } catch {
    /* private mode: turning off then finds it by asking the browser */
  }
  return answer;
}

/** Ask for permission, subscribe with the server's key, tell the server. */
export async function enablePush() {
  const answer = await Notification.requestPermission();
  if (answer !== 'granted') throw new Error(t('push.denied'));
  const { public_key: key } = await get('/push/key');
  const { registration, subscription } = await current();
  const sub = subscription || await registration.pushManager.subscribe({
    userVisibleOnly: true, applicationServerKey: keyBytes(key),
  });
  return send(sub);
}

export async function disablePush() {
  const { subscription } = await current();
  if (subscription) await subscription.unsubscribe();
  let id = null;
  try {
    id = localStorage.getItem(STORE);
    localStorage.removeItem(STORE);
  } catch {
    id = null;
  }
  if (id) await del(`/push/subscriptions/${id}`).catch(() => null);
}

/** On start, signed in: a subscription this browser holds is (re)sent to the server. */
export async function syncPush() {
  if (!pushSupported() || Notification.permission !== 'granted') return;
  try {
    const { subscription } = await current();
    if (subscription) await send(subscription);
  } catch {
    /* offline, or the push service is unreachable: next start */
  }
}

function deviceRow(reload) {
  const holder = h('div', { class: 'row row--wrap', testid: 'push-device' });
  const draw = async () => {
    if (!pushSupported()) {
      replace(holder, h('p', { class: 'hint' }, t('push.unsupported')));
      return;
    }
    let on = false;
    try {
      on = Notification.permission === 'granted' && Boolean((await current()).subscription);
    } catch {
      on = false;
    }
    const state = h('p', { class: 'muted', testid: 'push-state' },
      on ? t('push.on_here') : (Notification.permission === 'denied' ? t('push.blocked_here') : t('push.off_here')));
    const toggle = on
      ? button(t('push.disable'), (event) => busy(event.currentTarget, async () => {
        await disablePush();
        await draw();
        await reload();
      }, { ok: t('push.disabled') }), { testid: 'push-disable' })
      : button(t('push.enable'), (event) => busy(event.currentTarget, async () => {
        await enablePush();
        await draw();
        await reload();
      }, { ok: t('push.enabled') }), { kind: 'primary', testid: 'push-enable' });
    replace(holder, state, Notification.permission === 'denied' ? null : toggle);
  };
  draw();
  return holder;
}

function zones(selected) {
  const common = ['Europe/Kaliningrad', 'Europe/Moscow', 'Europe/Samara', 'Asia/Yekaterinburg', 'Asia/Omsk',
    'Asia/Novosibirsk', 'Asia/Krasnoyarsk', 'Asia/Irkutsk', 'Asia/Yakutsk', 'Asia/Vladivostok', 'Asia/Magadan',
    'Asia/Kamchatka'];
  const list = common.includes(selected) ? common : [selected, ...common];
  return list.map((zone) => [zone, t(`push.zones.${zone}`) === `push.zones.${zone}` ? zone : t(`push.zones.${zone}`)]);
}

const DIGEST_DELAYS = [15, 30, 60, 120, 240, 720, 1440];

function settingsForm(settings, onSaved) {
  return form({
    testid: 'notification-settings',
    className: 'notification-settings',
    fields: [
      field({
        name: 'quiet_enabled', type: 'checkbox', label: t('push.quiet'), value: settings.quiet_enabled, testid: 'quiet-enabled',
        hint: settings.quiet_source === 'school' ? `${t('push.quiet_hint')} ${t('push.quiet_school')}` : t('push.quiet_hint'),
      }),
      h('div', { class: 'row row--wrap quiet-hours' },
        field({ name: 'quiet_start', type: 'time', label: t('push.quiet_start'), value: settings.quiet_start, testid: 'quiet-start', required: true }),
        field({ name: 'quiet_end', type: 'time', label: t('push.quiet_end'), value: settings.quiet_end, testid: 'quiet-end', required: true })),
      field({ name: 'time_zone', type: 'select', label: t('push.time_zone'), value: settings.time_zone, testid: 'time-zone', options: zones(settings.time_zone) }),
      field({ name: 'previews', type: 'checkbox', label: t('push.previews'), value: settings.previews, testid: 'push-previews', hint: t('push.previews_hint') }),
      field({
        name: 'email_digest', type: 'checkbox', label: t('push.digest'), value: settings.email_digest, testid: 'email-digest',
        hint: settings.email_confirmed ? t('push.digest_hint') : `${t('push.digest_hint')} ${t('push.digest_unconfirmed')}`,
      }),
      isParent() ? field({
        name: 'urgent_sms', type: 'checkbox', label: t('push.urgent_sms'), value: settings.urgent_sms, testid: 'urgent-sms',
        hint: t('push.urgent_sms_hint'),
      }) : null,
      field({
        name: 'digest_delay_minutes', type: 'select', label: t('push.digest_delay'), testid: 'digest-delay',
        value: settings.digest_delay_minutes ?? '',
        options: [['', t('push.digest_default', { minutes: settings.digest_default_minutes })],
          ...DIGEST_DELAYS.map((minutes) => [minutes, t(`push.delays.${minutes}`)])],
      }),
    ],
    actions: [submit(t('common.save'), 'notification-settings-save')],
    onsubmit: async (values) => {
      const saved = await put('/notifications/settings', {
        quiet_enabled: Boolean(values.quiet_enabled), quiet_start: values.quiet_start, quiet_end: values.quiet_end,
        time_zone: values.time_zone, previews: Boolean(values.previews),
        email_digest: Boolean(values.email_digest),
        digest_delay_minutes: values.digest_delay_minutes ? Number(values.digest_delay_minutes) : null,
        ...(isParent() ? { urgent_sms: Boolean(values.urgent_sms) } : {}),
      });
      toast(t('push.saved'));
      onSaved(saved);
    },
  });
}

/** The school's quiet hours for its students and parents (the administrator's org page). */
export async function schoolQuietHoursCard(orgId) {
  const hours = await get(`/orgs/${orgId}/quiet-hours`);
  const quietForm = form({
    testid: 'school-quiet-hours',
    className: 'notification-settings',
    fields: [
      field({ name: 'enabled', type: 'checkbox', label: t('push.school_quiet'), value: hours.enabled, testid: 'school-quiet-enabled', hint: t('push.school_quiet_hint') }),
      h('div', { class: 'row row--wrap quiet-hours' },
        field({ name: 'start', type: 'time', label: t('push.quiet_start'), value: hours.start, testid: 'school-quiet-start', required: true }),
        field({ name: 'end', type: 'time', label: t('push.quiet_end'), value: hours.end, testid: 'school-quiet-end', required: true })),
      field({ name: 'time_zone', type: 'select', label: t('push.time_zone'), value: hours.time_zone, testid: 'school-time-zone', options: zones(hours.time_zone) }),
    ],
    actions: [submit(t('common.save'), 'school-quiet-save')],
    onsubmit: async (values) => {
      await put(`/orgs/${orgId}/quiet-hours`, {
        enabled: Boolean(values.enabled), start: values.start, end: values.end, time_zone: values.time_zone,
      });
      toast(t('push.school_quiet_saved'));
    },
  });
  return cardTitled(t('push.school_quiet_title'), quietForm);
}

/** The profile's «Notifications» card. */
export async function notificationsCard() {
  const body = h('div', { class: 'stack' });
  const count = h('p', { class: 'hint', testid: 'push-count' });
  const reload = async () => {
    try {
      const settings = await get('/notifications/settings');
      count.textContent = settings.subscriptions ? tn('push.devices_n', settings.subscriptions) : t('push.no_devices');
      return settings;
    } catch (error) {
      replace(body, errorBox(error));
      return null;
    }
  };
  const settings = await reload();
  if (settings) {
    replace(body, h('p', { class: 'hint' }, t('push.lead')), deviceRow(reload), count,
      settingsForm(settings, () => reload()));
  }
  const card = cardTitled(t('push.title'), body);
  card.id = 'notifications'; // the e-mail digest's «change or turn off» link lands here
  return card;
}

/** «Without notifications» for one chat (on the chat's page of members and rules). */
export function muteCard(chatId) {
  const box = h('input', { type: 'checkbox', class: 'checkbox', id: `mute-${chatId}`, testid: 'chat-mute', disabled: true });
  get(`/chats/${chatId}/mute`).then((answer) => {
    box.checked = answer.muted;
    box.disabled = false;
  }).catch(() => null);
  box.addEventListener('change', async () => {
    box.disabled = true;
    try {
      const answer = box.checked ? await put(`/chats/${chatId}/mute`) : await del(`/chats/${chatId}/mute`);
      box.checked = answer.muted;
      toast(answer.muted ? t('push.muted') : t('push.unmuted'));
    } catch (error) {
      box.checked = !box.checked;
      toast(error.message, 'error');
    } finally {
      box.disabled = false;
    }
  });
  return cardTitled(t('push.title'), h('div', { class: 'field field--check mute-chat' },
    h('label', { for: `mute-${chatId}`, class: 'check' }, box, h('span', {}, t('push.mute'))),
    h('p', { class: 'hint' }, t('push.mute_hint'))));
}
