// Where the toast region goes: a toast must never lie over a control — the send button, the
// composer, the invite's copy button (issue 14). The region tries a few spots (bottom, under
// the top bar, just above the composer) and keeps the first that covers no control in view,
// or the one that covers fewest.

const CONTROLS = 'button, a[href], input:not([type="hidden"]), textarea, select, [role="button"]';

function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

function covered(region) {
  const box = region.getBoundingClientRect();
  if (!box.width || !box.height) return 0;
  let count = 0;
  for (const control of document.querySelectorAll(CONTROLS)) {
    if (region.contains(control)) continue;
    const r = control.getBoundingClientRect();
    if (r.width && r.height && overlaps(box, r)) count += 1;
  }
  return count;
}

function spots() {
  const bar = document.querySelector('.topbar');
  const below = bar ? Math.max(0, bar.getBoundingClientRect().bottom) : 0;
  const list = [{ top: 'auto', bottom: '16px' }, { top: `${Math.round(below + 8)}px`, bottom: 'auto' }];
  const composer = document.querySelector('.composer');
  if (composer) {
    const above = window.innerHeight - composer.getBoundingClientRect().top;
    if (above > 0) list.push({ top: 'auto', bottom: `${Math.round(above + 8)}px` });
  }
  return list;
}

/** Move `region` (position: fixed) to the first spot where it covers no control. */
export function placeToasts(region) {
  let best = null;
  for (const spot of spots()) {
    Object.assign(region.style, spot);
    const count = covered(region);
    if (count === 0) return;
    if (!best || count < best.count) best = { spot, count };
  }
  if (best) Object.assign(region.style, best.spot);
}
