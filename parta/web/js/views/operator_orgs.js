// The operator registers organizations from their applications (R1, R2).

import { get, post } from '../api.js';
import { h, replace } from '../dom.js';
import { field, fieldError, form, submit } from '../forms.js';
import { t } from '../i18n.js';
import { chooseOrg, loadOperatorOrgs } from '../session.js';
import { navigate } from '../router.js';
import { cardTitled, empty, pageHeader, toast } from '../ui.js';

const KINDS = ['school', 'college', 'kindergarten', 'supplementary'];

function options(items, placeholder) {
  return [['', placeholder]].concat(items.map((x) => [x.id, x.name]));
}

function setOptions(select, items, placeholder) {
  replace(select, ...options(items, placeholder).map(([value, label]) => h('option', { value: String(value) }, label)));
}

function regionForms(regions, refresh) {
  const regionForm = form({
    testid: 'region-form',
    fields: [field({ name: 'name', label: t('operator_orgs.region_name'), required: true, testid: 'region-name', maxlength: 200 })],
    actions: [submit(t('operator_orgs.add_region'), 'region-create', 'secondary')],
    onsubmit: async (values, el) => {
      if (!values.name) return fieldError(el, 'name', t('operator_orgs.name_required'));
      await post('/regions', { name: values.name });
      toast(t('operator_orgs.region_added'));
      return refresh();
    },
  });
  const municipalityForm = form({
    testid: 'municipality-form',
    fields: [
      field({ name: 'region_id', label: t('operator_orgs.region'), type: 'select', required: true, testid: 'municipality-region', options: options(regions, t('operator_orgs.choose_region')) }),
      field({ name: 'name', label: t('operator_orgs.municipality_name'), required: true, testid: 'municipality-name', maxlength: 200 }),
    ],
    actions: [submit(t('operator_orgs.add_municipality'), 'municipality-create', 'secondary')],
    onsubmit: async (values, el) => {
      if (!values.region_id) return fieldError(el, 'region_id', t('operator_orgs.choose_region'));
      if (!values.name) return fieldError(el, 'name', t('operator_orgs.name_required'));
      await post('/municipalities', { region_id: Number(values.region_id), name: values.name });
      toast(t('operator_orgs.municipality_added'));
      return refresh();
    },
  });
  return [regionForm, municipalityForm];
}

/** R2: the operator names who oversees a municipality's organizations (they sign in by phone). */
function municipalAdminForm(regions) {
  const all = regions.flatMap((r) => (r.municipalities || []).map((m) => ({ id: m.id, name: `${m.name} (${r.name})` })));
  return form({
    testid: 'municipal-admin-form',
    fields: [
      field({ name: 'municipality_id', label: t('operator_orgs.municipality'), type: 'select', required: true, testid: 'municipal-admin-municipality', options: options(all, t('operator_orgs.choose_municipality')) }),
      field({ name: 'name', label: t('operator_orgs.municipal_admin_name'), required: true, testid: 'municipal-admin-name', autocomplete: 'off', maxlength: 200 }),
      field({ name: 'phone', label: t('operator_orgs.admin_phone'), type: 'tel', required: true, testid: 'municipal-admin-phone', placeholder: t('signin.phone_placeholder'), inputmode: 'tel' }),
    ],
    actions: [submit(t('operator_orgs.appoint_municipal_admin'), 'municipal-admin-appoint', 'secondary')],
    onsubmit: async (values, el) => {
      for (const name of ['municipality_id', 'name', 'phone']) {
        if (!values[name]) return fieldError(el, name, t('field_errors.required'));
      }
      const person = await post(`/municipalities/${Number(values.municipality_id)}/admins`, { name: values.name, phone: values.phone });
      el.reset();
      toast(t('operator_orgs.municipal_admin_appointed', { name: person.name }));
      return undefined;
    },
  });
}

function orgForm(regions, onCreated) {
  const orgFormEl = form({
    testid: 'register-org-form',
    className: 'form--grid',
    fields: [
      field({ name: 'name', label: t('operator_orgs.org_name'), required: true, testid: 'new-org-name', maxlength: 300, wide: true }),
      field({ name: 'kind', label: t('operator_orgs.kind'), type: 'select', testid: 'new-org-kind', options: KINDS.map((k) => [k, t(`org_kinds.${k}`)]) }),
      field({ name: 'region_id', label: t('operator_orgs.region'), type: 'select', required: true, testid: 'new-org-region', options: options(regions, t('operator_orgs.choose_region')) }),
      field({ name: 'municipality_id', label: t('operator_orgs.municipality'), type: 'select', required: true, testid: 'new-org-municipality', options: options([], t('operator_orgs.choose_municipality')) }),
      field({ name: 'application_ref', label: t('operator_orgs.application_ref'), testid: 'new-org-application', maxlength: 200, hint: t('operator_orgs.application_hint') }),
      h('h3', { class: 'subhead field--wide' }, t('operator_orgs.admin')),
      field({ name: 'admin_name', label: t('operator_orgs.admin_name'), required: true, testid: 'new-org-admin-name', autocomplete: 'off', maxlength: 200 }),
      field({ name: 'admin_phone', label: t('operator_orgs.admin_phone'), type: 'tel', required: true, testid: 'new-org-admin-phone', placeholder: t('signin.phone_placeholder'), inputmode: 'tel' }),
      field({ name: 'admin_email', label: t('operator_orgs.admin_email'), type: 'email', required: true, testid: 'new-org-admin-email' }),
    ],
    actions: [submit(t('operator_orgs.register'), 'register-org')],
    onsubmit: async (values, el) => {
      for (const name of ['name', 'municipality_id', 'admin_name', 'admin_phone', 'admin_email']) {
        if (!values[name]) return fieldError(el, name, t('field_errors.required'));
      }
      const org = await post('/organizations', {
        name: values.name, kind: values.kind, municipality_id: Number(values.municipality_id),
        admin_name: values.admin_name, admin_email: values.admin_email, admin_phone: values.admin_phone,
        application_ref: values.application_ref || undefined,
      });
      el.reset();
      toast(t('operator_orgs.registered', { name: org.name }));
      return onCreated(org);
    },
  });
  const regionSelect = orgFormEl.querySelector('[name=region_id]');
  const municipalitySelect = orgFormEl.querySelector('[name=municipality_id]');
  regionSelect.addEventListener('change', () => {
    const region = regions.find((r) => String(r.id) === regionSelect.value);
    setOptions(municipalitySelect, region ? region.municipalities || [] : [], t('operator_orgs.choose_municipality'));
  });
  return orgFormEl;
}

function orgList(orgs) {
  if (!orgs.length) return empty(t('operator_orgs.none'));
  return h('ul', { class: 'list', testid: 'operator-orgs-list' }, orgs.map((org) => h('li', { class: 'list-item', testid: 'operator-org-row' },
    h('div', { class: 'list-item__main' },
      h('strong', {}, org.name),
      h('p', { class: 'muted small' }, [t(`org_kinds.${org.kind}`), org.municipality && org.municipality.name, org.region && org.region.name].filter(Boolean).join(' · '))),
    h('button', {
      type: 'button', class: 'btn btn--ghost btn--small',
      onclick: () => { chooseOrg(org.id); navigate('/admin/org'); },
    }, t('operator_orgs.open')))));
}

export async function operatorOrgsView(ctx) {
  const [regionsAnswer, orgsAnswer] = await Promise.all([get('/regions'), get('/organizations')]);
  const regions = regionsAnswer.regions || [];
  const refresh = async () => {
    await loadOperatorOrgs();
    ctx.refresh();
  };
  const [regionForm, municipalityForm] = regionForms(regions, refresh);
  return h('div', { class: 'stack stack--page', testid: 'operator-orgs' },
    pageHeader(t('operator_orgs.title'), t('operator_orgs.lead')),
    cardTitled(t('operator_orgs.register_title'), orgForm(regions, refresh)),
    cardTitled(t('operator_orgs.list'), orgList(orgsAnswer.organizations || [])),
    cardTitled(t('operator_orgs.regions'),
      regions.length ? h('ul', { class: 'list' }, regions.map((r) => h('li', { class: 'list-item' },
        h('div', { class: 'list-item__main' }, h('strong', {}, r.name),
          h('p', { class: 'muted small' }, (r.municipalities || []).map((m) => m.name).join(', ') || t('operator_orgs.no_municipalities')))))) : empty(t('operator_orgs.no_regions')),
      h('div', { class: 'grid-2' }, regionForm, municipalityForm)),
    cardTitled(t('operator_orgs.municipal_admins'), h('p', { class: 'hint' }, t('operator_orgs.municipal_admins_hint')),
      municipalAdminForm(regions)));
}
