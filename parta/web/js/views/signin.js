// Sign-in by phone and a one-time code (R10); a primary-school student may get it by a parent's e-mail.

import { post } from '../api.js';
import { h } from '../dom.js';
import { field, fieldError, form, submit } from '../forms.js';
import { currentLang, LANGUAGES, loadLanguage, t } from '../i18n.js';
import { navigate, safeNext } from '../router.js';
import { refreshSession } from '../session.js';

// Kept between renders so a language switch does not lose a code already sent.
let pending = null; // {phone, channel, masked, resendAt}

function languageSwitch(ctx) {
  return h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('profile.language') },
    LANGUAGES.map((code) => h('button', {
      type: 'button',
      class: ['btn', 'btn--ghost', 'btn--small', code === currentLang() && 'is-current'],
      'aria-pressed': String(code === currentLang()),
      lang: code,
      testid: `lang-${code}`,
      onclick: async () => {
        await loadLanguage(code);
        ctx.refresh();
      },
    }, t(`languages.${code}`))));
}

async function requestCode(phone, channel) {
  const answer = await post('/auth/code', { phone, channel });
  pending = {
    phone,
    channel,
    // Non-breaking spaces keep "+7 ••• ••• 45 67" on one line.
    masked: (answer.masked_destination || phone).replace(/ /g, '\u00a0'),
    sentChannel: answer.channel || 'sms',
    resendAt: Date.now() + (Number(answer.resend_after) || 60) * 1000,
  };
}

function phoneStep(ctx) {
  const phoneForm = form({
    testid: 'phone-form',
    fields: [
      field({
        name: 'phone', label: t('signin.phone'), type: 'tel', required: true, testid: 'phone-input',
        placeholder: t('signin.phone_placeholder'), autocomplete: 'tel', inputmode: 'tel',
        value: pending ? pending.phone : '', hint: t('signin.phone_hint'),
      }),
      field({
        name: 'parent_email', label: t('signin.parent_email'), type: 'checkbox',
        testid: 'parent-email-checkbox', hint: t('signin.parent_email_hint'),
      }),
    ],
    actions: [submit(t('signin.get_code'), 'get-code')],
    onsubmit: async (values, el) => {
      if (!values.phone) {
        fieldError(el, 'phone', t('signin.phone_required'));
        return;
      }
      await requestCode(values.phone, values.parent_email ? 'parent_email' : 'sms');
      ctx.refresh();
    },
  });
  return h('div', { class: 'stack' }, phoneForm);
}

function codeStep(ctx) {
  const destination = pending.sentChannel === 'email'
    ? t('signin.sent_email', { to: pending.masked })
    : t('signin.sent_sms', { to: pending.masked });
  const timer = h('p', { class: 'hint', 'aria-live': 'polite', testid: 'resend-timer' });
  const resend = h('button', { type: 'button', class: 'btn btn--ghost', testid: 'resend-code', hidden: true }, t('signin.resend'));
  // A code asked for by a parent's e-mail may not come (the school has no address): the same
  // phone can then get it by SMS without starting over.
  const bySms = pending.channel === 'parent_email'
    ? h('button', { type: 'button', class: 'btn btn--ghost', testid: 'resend-sms', hidden: true }, t('signin.by_sms_instead'))
    : null;
  const codeForm = form({
    testid: 'code-form',
    fields: [
      field({
        name: 'code', label: t('signin.code'), required: true, testid: 'code-input',
        autocomplete: 'one-time-code', inputmode: 'numeric', maxlength: 6, pattern: '[0-9]{6}',
        placeholder: '••••••',
      }),
    ],
    actions: [submit(t('signin.sign_in'), 'verify-code')],
    onsubmit: async (values, el) => {
      const code = values.code.replace(/\D/g, '');
      if (code.length !== 6) {
        fieldError(el, 'code', t('signin.code_six_digits'));
        return;
      }
      await post('/auth/verify', { phone: pending.phone, code, client: 'web', device: navigator.userAgent.slice(0, 120) });
      pending = null;
      await refreshSession();
      navigate(safeNext(ctx.query.next), { replace: true });
    },
  });
  const tick = () => {
    const left = Math.ceil((pending ? pending.resendAt - Date.now() : 0) / 1000);
    if (left > 0) {
      timer.textContent = t('signin.resend_in', { seconds: left });
      timer.hidden = false;
      resend.hidden = true;
      if (bySms) bySms.hidden = true;
    } else {
      timer.hidden = true;
      resend.hidden = false;
      if (bySms) bySms.hidden = false;
    }
  };
  tick();
  const interval = setInterval(tick, 1000);
  ctx.onLeave(() => clearInterval(interval));
  const again = (trigger, channel) => trigger.addEventListener('click', async () => {
    trigger.disabled = true;
    try {
      await requestCode(pending.phone, channel());
      ctx.refresh();
    } catch (error) {
      const message = codeForm.querySelector('.form-message');
      message.textContent = error.message;
      message.hidden = false;
      if (error.retryAfter && pending) {
        pending.resendAt = Date.now() + error.retryAfter * 1000;
        tick();
      }
    } finally {
      trigger.disabled = false;
    }
  });
  again(resend, () => pending.channel);
  if (bySms) again(bySms, () => 'sms');
  const change = h('button', {
    type: 'button', class: 'btn btn--link', testid: 'change-phone',
    onclick: () => {
      pending = { phone: pending.phone };
      ctx.refresh();
    },
  }, t('signin.change_phone'));
  setTimeout(() => codeForm.querySelector('input[name=code]')?.focus(), 0);
  return h('div', { class: 'stack' },
    h('p', { class: 'sent-to', testid: 'code-sent-to' }, destination),
    codeForm,
    h('div', { class: 'row row--between' }, h('div', {}, timer, resend, bySms), change));
}

export async function signinView(ctx) {
  const step = pending && pending.masked ? codeStep(ctx) : phoneStep(ctx);
  return h('div', { class: 'bare-card', testid: 'signin' },
    h('h1', { tabindex: '-1', class: 'bare-title' }, t('signin.title')),
    h('p', { class: 'lead' }, t('signin.lead')),
    step,
    h('div', { class: 'bare-card__footer' }, languageSwitch(ctx)));
}
