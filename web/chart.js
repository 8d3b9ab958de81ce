// Stacked bars of executions per bucket by status, with duration p50/p95
// lines on a second axis. Plain SVG; colours come from the page's CSS variables.
const NS = 'http://www.w3.org/2000/svg';
const W = 900, H = 240, L = 44, R = 52, T = 10, B = 26;

function node(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}
const niceMax = (v) => { if (v <= 0) return 1; const p = 10 ** Math.floor(Math.log10(v)); return Math.ceil(v / p) * p; };
const secs = (s) => (s >= 3600 ? `${(s / 3600).toFixed(1)}h` : s >= 60 ? `${(s / 60).toFixed(1)}m` : `${+s.toFixed(1)}s`);

export function renderChart(box, stats, statuses) {
  const buckets = stats.buckets || [];
  const legend = document.createElement('div');
  legend.className = 'legend';
  for (const s of statuses) legend.insertAdjacentHTML('beforeend', `<span><i style="background:var(--${s.toLowerCase()})"></i>${s.replace('_', ' ')}</span>`);
  legend.insertAdjacentHTML('beforeend', '<span>— p50 duration</span><span>- - p95 duration</span>');
  const svg = node('svg', { viewBox: `0 0 ${W} ${H}`, 'aria-hidden': 'true' });
  if (!buckets.length) {
    svg.append(node('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'No executions in this range'));
    box.replaceChildren(legend, svg);
    return;
  }
  const totals = buckets.map((b) => statuses.reduce((n, s) => n + (b.counts[s] || 0), 0));
  const maxCount = niceMax(Math.max(...totals));
  const maxDur = niceMax(Math.max(0, ...buckets.map((b) => b.durationP95 || 0)));
  const pw = W - L - R, ph = H - T - B, bw = pw / buckets.length;
  const y = (n) => T + ph - (n / maxCount) * ph;
  const yd = (d) => T + ph - (d / maxDur) * ph;
  for (let i = 0; i <= 4; i++) {
    const v = (maxCount * i) / 4, yy = y(v);
    svg.append(node('line', { x1: L, x2: W - R, y1: yy, y2: yy, stroke: 'currentColor', 'stroke-opacity': 0.12 }));
    svg.append(node('text', { x: L - 6, y: yy + 4, 'text-anchor': 'end' }, Math.round(v)));
    svg.append(node('text', { x: W - R + 6, y: yd((maxDur * i) / 4) + 4 }, secs((maxDur * i) / 4)));
  }
  const labelEvery = Math.ceil(buckets.length / 8);
  const hourly = stats.bucket === 'hour';
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
      const d = new Date(b.start);
      svg.append(node('text', { x: x + bw / 2, y: H - 8, 'text-anchor': 'middle' },
        hourly ? d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit' }) : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })));
    }
  });
  for (const [key, dash] of [['durationP50', ''], ['durationP95', '5 4']]) {
    const pts = buckets.map((b, i) => (b[key] == null ? null : `${L + i * bw + bw / 2},${yd(b[key])}`)).filter(Boolean);
    if (pts.length) svg.append(node('polyline', { points: pts.join(' '), fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5, 'stroke-dasharray': dash, 'stroke-opacity': 0.8 }));
  }
  box.replaceChildren(legend, svg);
}
