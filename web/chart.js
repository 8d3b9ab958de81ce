// Stacked bars of executions per bucket by status, with duration p50/p95
// lines on a second axis. Plain SVG drawn at the box's own pixel width (one
// SVG unit is one CSS pixel), so labels keep their CSS font size on a phone
// instead of shrinking with a scaled viewBox; colours come from CSS variables.
const NS = 'http://www.w3.org/2000/svg';
const T = 10, B = 28;
// Width of a label in px, a little over system-ui's average at #chart text's
// 12 px (style.css): used to decide how many labels fit, before drawing.
const CHAR_PX = 7.4;

function node(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

// The first step (of an ascending list) that covers `max` in at most
// `intervals` steps; the list goes on by tens past its end.
function pickStep(max, steps, intervals) {
  for (let scale = 1; ; scale *= 10) {
    for (const s of steps) if (Math.ceil(max / (s * scale)) <= intervals) return s * scale;
  }
}
const ticksOf = (intervals, step) => Array.from({ length: intervals + 1 }, (_, i) => +(i * step).toPrecision(12));

// Ticks of a count axis: whole numbers from 0 up to at least `max` (at least
// 0 and 1), evenly spaced by 1, 2 or 5 times a power of ten, at most
// `intervals` + 1 of them, so no two ticks share a label (a maximum of 3 gives
// 0 1 2 3, never 0 1 1 2 3 from rounding quarters).
export function countTicks(max, intervals = 4) {
  const top = Math.max(1, max), step = pickStep(top, [1, 2, 5], Math.max(1, intervals));
  return ticksOf(Math.ceil(top / step), step);
}

// Exactly `intervals` + 1 ticks of a duration axis in seconds, from 0 up to at
// least `max`, on a step that reads as whole seconds, minutes or hours
// (0.1 s .. 12 h, then by tens), each labelled by secs(): as many ticks as the
// count axis, so that each sits on one of its grid lines.
const DURATION_STEPS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200];
export function durationTicks(max, intervals = 4) {
  const n = Math.max(1, intervals), step = pickStep(Math.max(0.1, max), DURATION_STEPS, n);
  return ticksOf(n, step);
}
export const secs = (s) => (s >= 3600 ? `${+(s / 3600).toFixed(1)}h` : s >= 60 ? `${+(s / 60).toFixed(1)}m` : `${+s.toFixed(1)}s`);

const boxes = new WeakMap();  // box -> {stats, statuses, width, observer}

// Draws `stats` (a /v1/executions/stats answer) into `box`, replacing what it
// held, and draws it again whenever the box's width changes. With no
// execution in the range it draws no axes: only a message (data-empty on the box).
export function renderChart(box, stats, statuses) {
  let entry = boxes.get(box);
  if (!entry) {
    entry = { observer: new ResizeObserver(() => { if (box.clientWidth !== entry.width) draw(box, entry); }) };
    entry.observer.observe(box);
    boxes.set(box, entry);
  }
  Object.assign(entry, { stats, statuses });
  draw(box, entry);
}

function draw(box, entry) {
  const { stats, statuses } = entry;
  entry.width = box.clientWidth;
  const buckets = stats.buckets || [];
  const totals = buckets.map((b) => statuses.reduce((n, s) => n + (b.counts[s] || 0), 0));
  if (!totals.some((n) => n > 0)) {
    box.dataset.empty = '';
    box.setAttribute('aria-label', 'No executions in this range');
    box.replaceChildren(Object.assign(document.createElement('p'), { className: 'chart-empty', textContent: 'No executions in this range' }));
    return;
  }
  delete box.dataset.empty;
  box.setAttribute('aria-label', 'Executions per time bucket by status');
  const legend = document.createElement('div');
  legend.className = 'legend';
  for (const s of statuses) legend.insertAdjacentHTML('beforeend', `<span><i style="background:var(--${s.toLowerCase()})"></i>${s.replace('_', ' ')}</span>`);
  const maxP95 = Math.max(0, ...buckets.map((b) => b.durationP95 || 0));
  if (maxP95 > 0) legend.insertAdjacentHTML('beforeend', '<span>— p50 duration</span><span>- - p95 duration</span>');

  const W = Math.max(280, entry.width || 900), narrow = W < 560, H = narrow ? 180 : 240;
  const intervals = narrow ? 3 : 5;
  const counts = countTicks(Math.max(...totals), intervals), maxCount = counts[counts.length - 1];
  const durs = maxP95 > 0 ? durationTicks(maxP95, counts.length - 1) : [];
  const maxDur = durs[durs.length - 1] || 1;
  const widest = (labels) => Math.max(0, ...labels.map((l) => String(l).length)) * CHAR_PX;
  const L = Math.ceil(widest(counts)) + 10, R = durs.length ? Math.ceil(widest(durs.map(secs))) + 10 : 8;
  const pw = W - L - R, ph = H - T - B, bw = pw / buckets.length;
  const y = (n) => T + ph - (n / maxCount) * ph;
  const yd = (d) => T + ph - (d / maxDur) * ph;
  const svg = node('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, 'aria-hidden': 'true' });
  counts.forEach((v) => {
    svg.append(node('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: 'currentColor', 'stroke-opacity': 0.12 }));
    svg.append(node('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', 'data-axis': 'count' }, v));
  });
  durs.forEach((d) => svg.append(node('text', { x: W - R + 6, y: yd(d) + 4, 'data-axis': 'duration' }, secs(d))));

  const hourly = stats.bucket === 'hour';
  const label = (d) => (hourly ? d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit' })
    : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }));
  const labelWidth = widest(buckets.map((b) => label(new Date(b.start)))) + 16;
  const labelEvery = Math.ceil(buckets.length / Math.max(1, Math.floor(pw / labelWidth)));
  const xLabels = [];
  buckets.forEach((b, i) => {
    let base = 0;
    const x = L + i * bw;
    const title = [`${new Date(b.start).toLocaleString()}: ${totals[i]} executions`];
    for (const s of statuses) {
      const n = b.counts[s] || 0;
      if (!n) continue;
      title.push(`${s}: ${n}`);
      svg.append(node('rect', { x: x + bw * 0.1, width: Math.max(1, bw * 0.8), y: y(base + n), height: y(base) - y(base + n), fill: `var(--${s.toLowerCase()})` }));
      base += n;
    }
    if (b.durationP50 != null) title.push(`p50 ${secs(b.durationP50)}, p95 ${secs(b.durationP95)}`);
    const hit = node('rect', { x, width: bw, y: T, height: ph, fill: 'transparent' });
    hit.append(node('title', {}, title.join('\n')));
    svg.append(hit);
    if (i % labelEvery === 0) {
      const text = node('text', { x: x + bw / 2, y: H - 8, 'text-anchor': 'middle', 'data-axis': 'time' }, label(new Date(b.start)));
      xLabels.push(text);
      svg.append(text);
    }
  });
  for (const [key, dash] of [['durationP50', ''], ['durationP95', '5 4']]) {
    const pts = buckets.map((b, i) => (b[key] == null ? null : `${L + i * bw + bw / 2},${yd(b[key])}`)).filter(Boolean);
    if (pts.length && durs.length) svg.append(node('polyline', { points: pts.join(' '), fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5, 'stroke-dasharray': dash, 'stroke-opacity': 0.8 }));
  }
  box.replaceChildren(legend, svg);
  dropOverlaps(svg, xLabels, W);
}

// The estimate above decides how many time labels to draw; the drawn boxes
// decide which stay: a label that would cross the SVG's edge is anchored to
// it, and one that would still overlap a label already kept is removed.
function dropOverlaps(svg, xLabels, W) {
  const kept = [...svg.querySelectorAll('text[data-axis=count], text[data-axis=duration]')].map((t) => t.getBBox());
  const overlaps = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  for (const text of xLabels) {
    let box = text.getBBox();
    if (box.x < 0) { text.setAttribute('text-anchor', 'start'); text.setAttribute('x', 0); box = text.getBBox(); }
    if (box.x + box.width > W) { text.setAttribute('text-anchor', 'end'); text.setAttribute('x', W); box = text.getBBox(); }
    const padded = { x: box.x - 4, y: box.y, width: box.width + 8, height: box.height };
    if (kept.some((k) => overlaps(padded, k))) text.remove();
    else kept.push(padded);
  }
}
