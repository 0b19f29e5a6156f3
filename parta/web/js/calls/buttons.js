// The call screen's buttons: round toggles that say what they will do, and the host's small
// buttons on a tile.

import { h, icon } from '../dom.js';

export const SLASH = ['M2 2l20 20'];

export function hostBtn(testid, paths, label, onclick, danger = false) {
  return h('button', { type: 'button', class: ['call-host-btn', danger && 'call-host-btn--danger'], testid, 'aria-label': label, title: label, 'aria-pressed': 'false', onclick }, icon(paths));
}

export function press(button, on, label) {
  button.setAttribute('aria-pressed', on ? 'true' : 'false');
  if (label) {
    button.setAttribute('aria-label', label);
    button.title = label;
  }
}

export function toggle(label, paths, testid, onclick) {
  return h('button', { type: 'button', class: 'call-btn', 'aria-label': label, title: label, 'aria-pressed': 'false', testid, onclick }, icon(paths));
}

export function setOff(button, off, labelOn, labelOff, paths) {
  button.setAttribute('aria-pressed', off ? 'true' : 'false');
  button.classList.toggle('call-btn--off', off);
  const label = off ? labelOn : labelOff;
  button.setAttribute('aria-label', label);
  button.title = label;
  button.replaceChildren(icon(off ? [...paths, ...SLASH] : paths));
}
