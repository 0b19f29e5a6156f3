// Times in the school's time zone, whatever the device's: the composer asks «when» as the school
// counts it, and shows scheduled times the same way (in the page's language).

import { currentLang } from '../i18n.js';

function offsetAt(ms, zone) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - ms;
}

/** '2026-12-08T08:00' (a datetime-local value) in `zone` → an ISO instant with its offset. */
export function zonedToIso(local, zone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local || '');
  if (!match) return null;
  const [, y, mo, d, hh, mm] = match.map(Number);
  const wall = Date.UTC(y, mo - 1, d, hh, mm);
  let utc = wall - offsetAt(wall, zone);
  const again = wall - offsetAt(utc, zone); // the offset may change between the guess and the answer
  if (again !== utc) utc = again;
  return new Date(utc).toISOString();
}

/** An ISO instant → the datetime-local value it is in `zone`. */
export function isoToZoned(iso, zone) {
  const shifted = new Date(new Date(iso).getTime() + offsetAt(new Date(iso).getTime(), zone));
  return shifted.toISOString().slice(0, 16);
}

/** «08.12 08:00» in `zone`. */
export function zonedLabel(iso, zone) {
  return new Intl.DateTimeFormat(currentLang(), {
    timeZone: zone, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit',
  }).format(new Date(iso));
}
