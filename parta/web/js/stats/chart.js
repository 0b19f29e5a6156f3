// Charts drawn by Parta as SVG from our own code (no third-party JavaScript): weekly bars
// stacked by role, and shares against a target. Every chart names itself for a screen reader;
// the table beside it carries the same figures for the keyboard.

const NS = 'http://www.w3.org/2000/svg';

function el(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) if (child) node.append(child);
  return node;
}

function title(text) {
  const node = el('title');
  node.textContent = text;
  return node;
}

/** Bars per week, stacked by series: series = [{key, label, className}], rows = [{week, ...}]. */
export function weekBars(rows, series, { label, weekLabel, testid }) {
  const width = 420;
  const height = 200;
  const pad = { left: 40, right: 6, top: 12, bottom: 26 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const totals = rows.map((r) => series.reduce((sum, s) => sum + (r[s.key] || 0), 0));
  const max = Math.max(1, ...totals);
  const step = innerW / Math.max(1, rows.length);
  const barW = Math.max(2, step * 0.7);
  const svg = el('svg', {
    viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': label,
    preserveAspectRatio: 'xMidYMid meet', 'data-testid': testid,
  }, title(label));
  for (const tick of [0, 0.5, 1]) {
    const y = pad.top + innerH * (1 - tick);
    svg.append(el('line', { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: 'chart__grid' }));
    const text = el('text', { x: pad.left - 6, y: y + 4, class: 'chart__axis', 'text-anchor': 'end' });
    text.textContent = String(Math.round(max * tick));
    svg.append(text);
  }
  rows.forEach((row, i) => {
    let y = pad.top + innerH;
    const x = pad.left + i * step + (step - barW) / 2;
    const group = el('g', { 'data-testid': 'chart-bar' });
    for (const s of series) {
      const value = row[s.key] || 0;
      if (!value) continue;
      const h = (value / max) * innerH;
      y -= h;
      group.append(el('rect', { x, y, width: barW, height: h, class: s.className },
        title(`${weekLabel(row.week)} · ${s.label}: ${value}`)));
    }
    svg.append(group);
    if (rows.length <= 12 || i % Math.ceil(rows.length / 8) === 0) {
      const text = el('text', { x: x + barW / 2, y: height - 8, class: 'chart__axis', 'text-anchor': 'middle' });
      text.textContent = weekLabel(row.week);
      svg.append(text);
    }
  });
  return svg;
}

/** Horizontal bars: each share (0..100) with its target marked. items = [{label, percent, target, meets}]. */
export function targetBars(items, { label, testid }) {
  const rowH = 34;
  const width = 400;
  const left = 100;
  const innerW = width - left - 58;
  const height = items.length * rowH + 8;
  const svg = el('svg', {
    viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': label, 'data-testid': testid,
  }, title(label));
  items.forEach((item, i) => {
    const y = 4 + i * rowH;
    const name = el('text', { x: left - 8, y: y + 19, class: 'chart__label', 'text-anchor': 'end' });
    name.textContent = item.label;
    svg.append(name);
    svg.append(el('rect', { x: left, y: y + 6, width: innerW, height: 18, class: 'chart__track' }));
    const share = item.percent == null ? 0 : Math.min(100, item.percent);
    svg.append(el('rect', {
      x: left, y: y + 6, width: (share / 100) * innerW, height: 18,
      class: item.meets ? 'chart__bar chart__bar--ok' : 'chart__bar chart__bar--short',
    }));
    const tx = left + (item.target / 100) * innerW;
    svg.append(el('line', { x1: tx, x2: tx, y1: y + 2, y2: y + 28, class: 'chart__target' }));
    const value = el('text', { x: left + innerW + 6, y: y + 19, class: 'chart__label' });
    value.textContent = item.percent == null ? '—' : `${item.percent} %`;
    svg.append(value);
  });
  return svg;
}
