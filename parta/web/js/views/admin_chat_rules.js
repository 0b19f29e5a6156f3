// The school's rules for every chat (R24) and the conduct filter's mode for each kind of chat
// (R33) — for the organization's administrator. The rules are one per line; members see them
// numbered, before each chat's own, when they join.

import { get, put } from '../api.js';
import { h, replace } from '../dom.js';
import { field, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { isOrgAdmin, orgPath } from '../session.js';
import {
  busy, button, cardTitled, confirmDialog, errorBox, pageHeader, table, toast,
} from '../ui.js';
import { parseRules } from '../moderation/rules.js';

const MODES = ['off', 'warn', 'hold', 'reject'];

function preview(list, text) {
  const items = parseRules(text);
  replace(list, items.length
    ? items.map((item) => h('li', { testid: 'rules-preview-item' }, item))
    : h('li', { class: 'muted' }, t('chat_rules.preview_empty')));
}

function rulesCard(answer, reload) {
  const custom = answer.rules !== null && answer.rules !== undefined;
  const list = h('ol', { class: 'rules__list', testid: 'rules-preview', 'aria-live': 'polite' });
  const text = custom ? answer.rules : answer.default;
  const editor = form({
    testid: 'chat-rules-form',
    fields: [field({
      name: 'rules', type: 'textarea', rows: 10, maxlength: 20000, label: t('chat_rules.text'), value: text,
      hint: t('chat_rules.hint'), testid: 'chat-rules-text',
    })],
    actions: [
      submit(t('common.save'), 'chat-rules-save'),
      custom ? button(t('chat_rules.reset'), async (event) => {
        const target = event.currentTarget;
        if (!(await confirmDialog(t('chat_rules.reset_confirm'), { confirmLabel: t('chat_rules.reset'), danger: false }))) return;
        await busy(target, async () => {
          await put(orgPath('/chat-rules'), { rules: null });
          await reload();
        }, { ok: t('chat_rules.reset_done') });
      }, { kind: 'ghost', testid: 'chat-rules-reset' }) : null,
    ].filter(Boolean),
    onsubmit: async (values) => {
      if (values.rules === (custom ? answer.rules : answer.default).trim()) {
        toast(t('common.nothing_changed'));
        return;
      }
      await put(orgPath('/chat-rules'), { rules: values.rules });
      toast(t('chat_rules.saved'));
      await reload();
    },
  });
  const textarea = editor.querySelector('textarea');
  textarea.addEventListener('input', () => preview(list, textarea.value));
  preview(list, text);
  return cardTitled(t('chat_rules.card'), h('div', { class: 'stack' },
    h('p', { class: custom ? 'hint' : 'notice', testid: 'chat-rules-state' },
      custom ? t('chat_rules.custom', { version: answer.version }) : t('chat_rules.standard')),
    editor,
    h('h3', { class: 'subhead', id: 'chat-rules-preview' }, t('chat_rules.preview')),
    // It scrolls when long: reachable by the keyboard, named by its heading (WCAG 2.1.1).
    h('div', { class: 'rules rules--numbered', tabindex: '0', role: 'region', 'aria-labelledby': 'chat-rules-preview' }, list)));
}

function conductCard(modes, reload) {
  const kinds = Object.keys(modes);
  const selects = new Map();
  const rows = kinds.map((kind) => {
    const select = h('select', { class: 'input', name: kind, testid: `conduct-${kind}`, 'aria-label': t(`chat_kinds.${kind}`) },
      MODES.map((mode) => h('option', { value: mode, selected: modes[kind] === mode }, t(`conduct_modes.${mode}`))));
    selects.set(kind, select);
    return { kind, select };
  });
  const save = button(t('common.save'), (event) => busy(event.currentTarget, async () => {
    const changed = {};
    for (const [kind, select] of selects) if (select.value !== modes[kind]) changed[kind] = select.value;
    if (!Object.keys(changed).length) {
      toast(t('common.nothing_changed'));
      return;
    }
    await put(orgPath('/conduct'), { modes: changed });
    toast(t('conduct_modes.saved'));
    await reload();
  }), { kind: 'primary', testid: 'conduct-save' });
  return cardTitled(t('conduct_modes.card'), h('div', { class: 'stack conduct-modes' },
    h('p', { class: 'hint' }, t('conduct_modes.lead')),
    h('ul', { class: 'conduct-legend' }, MODES.map((mode) => h('li', {}, h('strong', {}, t(`conduct_modes.${mode}`)), ' — ', t(`conduct_modes.about.${mode}`)))),
    table([
      { label: t('conduct_modes.kind'), cell: (row) => t(`chat_kinds.${row.kind}`) },
      { label: t('conduct_modes.mode'), cell: (row) => row.select },
    ], rows, { testid: 'conduct-table', rowTestid: (row) => `conduct-row-${row.kind}` }),
    h('div', { class: 'form-actions' }, save)));
}

export async function chatRulesAdminView() {
  if (!isOrgAdmin()) {
    return h('div', { class: 'stack stack--page' }, pageHeader(t('chat_rules.title')), errorBox({ message: t('chat_rules.only_org_admin') }));
  }
  const rulesHolder = h('div', {});
  const conductHolder = h('div', {});
  const loadRules = async () => {
    try {
      replace(rulesHolder, rulesCard(await get(orgPath('/chat-rules')), loadRules));
    } catch (error) {
      replace(rulesHolder, errorBox(error));
    }
  };
  const loadConduct = async () => {
    try {
      replace(conductHolder, conductCard((await get(orgPath('/conduct'))).modes || {}, loadConduct));
    } catch (error) {
      replace(conductHolder, errorBox(error));
    }
  };
  await Promise.all([loadRules(), loadConduct()]);
  return h('div', { class: 'stack stack--page', testid: 'chat-rules-page' },
    pageHeader(t('chat_rules.title'), t('chat_rules.lead')),
    rulesHolder, conductHolder);
}
