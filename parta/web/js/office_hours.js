// Teachers' office hours (issue 14): the staff member's own editor on the profile page (weekly
// slots in the school's time, a note such as «каб. 12» or «по записи»), and the list as the
// school's people read it on a staff member's card. Days are words of the page's language;
// times are the school's, said once under the list.

import { get, put } from './api.js';
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { button, cardTitled, errorBox, toast } from './ui.js';

const DAYS = [0, 1, 2, 3, 4, 5, 6];
const dayName = (day) => t(`office_hours.days.${day}`);
const zoneName = (zone) => {
  const key = `push.zones.${zone}`;
  return t(key) === key ? zone : t(key);
};

/** The slots as a list to read: «Понедельник 15:00–16:00 · каб. 12». */
export function officeHoursList(slots, zone) {
  if (!slots.length) return h('p', { class: 'muted', testid: 'office-hours-none' }, t('office_hours.none'));
  return h('div', { class: 'stack stack--tight' },
    h('ul', { class: 'office-hours', testid: 'office-hours' }, slots.map((s) => h('li', { class: 'office-hours__slot', testid: 'office-hour' },
      h('span', { class: 'office-hours__day' }, dayName(s.weekday)),
      h('span', { class: 'office-hours__time' }, `${s.start}–${s.end}`),
      s.note ? h('span', { class: 'office-hours__note' }, s.note) : null))),
    h('p', { class: 'hint', testid: 'office-hours-zone' }, t('office_hours.school_time', { zone: zoneName(zone) })));
}

function slotRow(slot, onRemove) {
  const day = h('select', { class: 'input', name: 'weekday', 'aria-label': t('office_hours.day'), testid: 'office-day' },
    DAYS.map((d) => h('option', { value: String(d), selected: d === slot.weekday }, dayName(d))));
  const start = h('input', { class: 'input', type: 'time', name: 'start', value: slot.start, required: true, 'aria-label': t('office_hours.start'), testid: 'office-start' });
  const end = h('input', { class: 'input', type: 'time', name: 'end', value: slot.end, required: true, 'aria-label': t('office_hours.end'), testid: 'office-end' });
  const note = h('input', {
    class: 'input', type: 'text', name: 'note', value: slot.note || '', maxlength: 80,
    placeholder: t('office_hours.note_placeholder'), 'aria-label': t('office_hours.note'), testid: 'office-note',
  });
  const error = h('p', { class: 'field-error', role: 'alert', hidden: true, testid: 'office-error' });
  const row = h('li', { class: 'office-edit__row', testid: 'office-row' },
    h('div', { class: 'office-edit__fields' }, day, start, h('span', { class: 'office-edit__dash', 'aria-hidden': 'true' }, '–'), end, note,
      button(t('office_hours.remove'), () => onRemove(row), {
        kind: 'ghost', small: true, testid: 'office-remove',
      })),
    error);
  row.read = () => ({ weekday: Number(day.value), start: start.value, end: end.value, note: note.value });
  row.showError = (text) => { error.textContent = text; error.hidden = !text; };
  return row;
}

/** The profile's «Часы приёма» card for staff of the current school (null for anyone else). */
export async function officeHoursCard(orgId) {
  let mine;
  try {
    mine = await get(`/orgs/${orgId}/office-hours`);
  } catch (error) {
    if (error.status === 403 || error.status === 404) return null; // not staff here
    return cardTitled(t('office_hours.title'), errorBox(error));
  }
  const list = h('ul', { class: 'office-edit', testid: 'office-hours-editor' });
  const message = h('p', { class: 'form-message', role: 'alert', hidden: true, testid: 'office-hours-error' });
  const remove = (row) => row.remove();
  const add = (slot) => list.append(slotRow(slot, remove));
  mine.slots.forEach(add);
  const save = button(t('common.save'), async (event) => {
    const saving = event.currentTarget; // gone from the event once it awaits
    const rows = [...list.children];
    rows.forEach((r) => r.showError(''));
    message.hidden = true;
    saving.disabled = true;
    try {
      const saved = await put(`/orgs/${orgId}/office-hours`, { slots: rows.map((r) => r.read()) });
      replace(list, ...saved.slots.map((s) => slotRow(s, remove)));
      toast(t('office_hours.saved'));
    } catch (error) {
      let placed = false;
      for (const [name, text] of Object.entries(error.fields || {})) {
        const found = /^slots\.(\d+)\./.exec(name);
        if (found && rows[Number(found[1])]) {
          rows[Number(found[1])].showError(text);
          placed = true;
        }
      }
      if (!placed) {
        message.textContent = Object.values(error.fields || {})[0] || error.message;
        message.hidden = false;
      }
    } finally {
      saving.disabled = false;
    }
  }, { kind: 'primary', testid: 'office-hours-save' });
  return cardTitled(t('office_hours.title'),
    h('p', { class: 'hint' }, t('office_hours.lead', { zone: zoneName(mine.time_zone) })),
    message, list,
    h('div', { class: 'form-actions' },
      button(t('office_hours.add'), () => add({ weekday: 0, start: '15:00', end: '16:00', note: '' }), { testid: 'office-hours-add' }),
      save));
}
