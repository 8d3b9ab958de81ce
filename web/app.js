// The History page: filters in the URL, paged table keyed by executionArn,
// live updates over SSE, and the stats chart. Plain ES module, no build step.
import { renderChart } from './chart.js';

const $ = (id) => document.getElementById(id);
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];
const PRESETS = { today: null, '24h': 864e5, '7d': 7 * 864e5, '30d': 30 * 864e5, all: 0 };
const PAGE_SIZE = 50;
const KEY_STORAGE = 'exidx.apiKey';

// ---- view state <-> URL ----------------------------------------------------
function readState() {
  const q = new URLSearchParams(location.search);
  const s = { agent: q.get('agent') || '', status: q.get('status') || '', order: q.get('order') === 'asc' ? 'asc' : 'desc',
    preset: q.get('preset') || '', from: q.get('from') || '', to: q.get('to') || '' };
  if (!STATUSES.includes(s.status)) s.status = '';
  if (!(s.preset in PRESETS)) s.preset = '';
  if (!s.preset && !s.from && !s.to) s.preset = '7d';
  return s;
}
function writeState(s, replace) {
  const q = new URLSearchParams();
  if (s.agent) q.set('agent', s.agent);
  if (s.status) q.set('status', s.status);
  if (s.preset) q.set('preset', s.preset);
  else { if (s.from) q.set('from', s.from); if (s.to) q.set('to', s.to); }
  if (s.order !== 'desc') q.set('order', s.order);
  const url = `${location.pathname}${q.toString() ? `?${q}` : ''}`;
  if (url !== location.pathname + location.search) history[replace ? 'replaceState' : 'pushState'](null, '', url);
}
// The absolute bounds (ISO, UTC) of a state: presets count from now.
function bounds(s) {
  if (s.preset === 'today') { const d = new Date(); d.setHours(0, 0, 0, 0); return { from: d.toISOString(), to: '' }; }
  if (s.preset === 'all') return { from: '', to: '' };
  if (s.preset) return { from: new Date(Date.now() - PRESETS[s.preset]).toISOString(), to: '' };
  return { from: s.from, to: s.to };
}
// A preset's bounds are resolved once per view (reload), not per request:
// page tokens are bound to the query's exact filters.
function filterParams(s) {
  const b = view.bounds || bounds(s); const q = new URLSearchParams();
  if (s.agent) q.set('agentName', s.agent);
  if (s.status) q.set('status', s.status);
  if (b.from) q.set('startDateFrom', b.from);
  if (b.to) q.set('startDateTo', b.to);
  return q;
}
const toLocalInput = (iso) => {
  if (!iso) return '';
  const d = new Date(iso); if (isNaN(d)) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 6e4).toISOString().slice(0, 19);
};
const fromLocalInput = (v) => (v ? new Date(v).toISOString() : '');

// ---- API -------------------------------------------------------------------
let apiKey = localStorage.getItem(KEY_STORAGE) || '';
// status 0: no answer at all (fetch failed). retryAfter: a 503's Retry-After, in seconds.
class ApiError extends Error {
  constructor(status, code, message, retryAfter = 0) { super(message); Object.assign(this, { status, code, retryAfter }); }
}
async function api(path, params) {
  for (;;) {
    const sentKey = apiKey;
    let res;
    try {
      res = await fetch(`${path}?${params}`, { headers: sentKey ? { 'x-api-key': sentKey } : {} });
    } catch (e) { throw new ApiError(0, 'NetworkError', e.message); }
    // A refusal of a key already replaced (several requests were in flight
    // when the first 401 asked for a key) is retried with the new one, not
    // asked about again: only the current key's refusal opens the dialog.
    if (res.status === 401) { if (sentKey === apiKey) await askForKey(); continue; }
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      throw new ApiError(res.status, body.error?.code || 'Error', body.error?.message || res.statusText || `HTTP ${res.status}`,
        Number(res.headers.get('retry-after')) || 0);
    }
    return body;
  }
}
let keyPrompt = null;
function askForKey() {
  if (keyPrompt) return keyPrompt;
  keyPrompt = new Promise((resolve) => {
    const dialog = $('key-dialog');
    $('key-input').value = '';
    dialog.addEventListener('close', () => {
      apiKey = $('key-input').value.trim();
      localStorage.setItem(KEY_STORAGE, apiKey);
      keyPrompt = null;
      resolve();
    }, { once: true });
    dialog.showModal();
  });
  return keyPrompt;
}

// ---- formatting ------------------------------------------------------------
const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
function duration(seconds) {
  if (seconds == null) return '';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h} h ${m} min` : `${m} min ${r} s`;
}
function consoleUrl(arn) {
  const region = arn.split(':')[3];
  if (!region) return '';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${arn}`;
}
const el = (tag, { dataset, ...props } = {}, ...children) => {
  const e = Object.assign(document.createElement(tag), props);
  if (dataset) Object.assign(e.dataset, dataset);
  for (const c of children) if (c != null) e.append(c);
  return e;
};

// ---- the table, keyed by executionArn --------------------------------------
// rows: executionArn -> {rec, tr}; order of tbody = sort order. `cursor` is the
// last row loaded from the API: the next page starts strictly after it, so a
// live row sorting at or before it is inserted now and one after it is left
// for paging (never a duplicate, never a gap).
// `failure` is the last page's ApiError until a retry: the list then shows the
// error state (its message and Retry) instead of "Load more" or "No executions".
const view = { state: null, bounds: null, rows: new Map(), nextToken: null, done: false, generation: 0, cursor: null, loading: false, failure: null };
const cmp = (a, b) => (a.startDate < b.startDate ? -1 : a.startDate > b.startDate ? 1 : a.executionArn < b.executionArn ? -1 : a.executionArn > b.executionArn ? 1 : 0);
const before = (a, b) => (view.state.order === 'desc' ? cmp(a, b) > 0 : cmp(a, b) < 0);

function cell(col, label, ...children) { return el('td', { dataset: { col, label } }, ...children); }
function fillRow(tr, r) {
  tr.replaceChildren(
    cell('agent', 'Agent', r.agentName),
    cell('name', 'Execution', el('span', { className: 'mono', textContent: r.name })),
    cell('status', 'Status', el('span', { className: `badge ${r.status}`, textContent: r.status.replace('_', ' ') })),
    cell('start', 'Started', el('time', { dateTime: r.startDate, title: `${r.startDate} (UTC)`, textContent: timeFmt.format(new Date(r.startDate)) })),
    cell('duration', 'Duration', r.status === 'RUNNING' ? duration((Date.now() - Date.parse(r.startDate)) / 1000) : duration(r.durationSeconds)),
    cell('error', 'Error', r.error ? el('span', { className: 'err', textContent: r.error }) : null,
      r.cause ? el('details', {}, el('summary', { textContent: 'Cause' }), el('pre', { className: 'cause', textContent: r.cause })) : null),
    cell('console', 'Console', consoleUrl(r.executionArn) ? el('a', { href: consoleUrl(r.executionArn), target: '_blank', rel: 'noopener',
      textContent: 'Open in console', title: `Open ${r.name} in the AWS console` }) : null),
  );
  tr.dataset.arn = r.executionArn;
  tr.dataset.status = r.status;
}
function put(rec, live) {
  const known = view.rows.get(rec.executionArn);
  if (known) {
    if ((rec.indexedAt || '') >= (known.rec.indexedAt || '')) { known.rec = rec; fillRow(known.tr, rec); }
    if (live) { known.tr.classList.remove('fresh'); void known.tr.offsetWidth; known.tr.classList.add('fresh'); }
    return;
  }
  if (live && !view.done && (!view.cursor || !before(rec, view.cursor))) return;  // Paging will bring it.
  const tr = el('tr');
  fillRow(tr, rec);
  if (live) tr.classList.add('fresh');
  // Find the first row that rec sorts before (live rows are few and near the top).
  let next = null;
  if (live) for (const row of $('rows').children) { if (before(rec, view.rows.get(row.dataset.arn).rec)) { next = row; break; } }
  $('rows').insertBefore(tr, next);
  view.rows.set(rec.executionArn, { rec, tr });
}
function updateCount() {
  $('count').textContent = view.failure && !view.rows.size ? '' : `(${view.rows.size}${view.done ? '' : '+'})`;
  $('empty').hidden = Boolean(view.failure) || view.rows.size > 0 || !view.done;
  $('more').hidden = Boolean(view.failure) || view.done;
  $('results').tHead.hidden = !view.rows.size && (Boolean(view.failure) || view.done);
}

// ---- the error state -------------------------------------------------------
// What failed, in words, and whether to retry by itself: a refused query (4xx)
// stays refused until the filters change; an unavailable index (503) or an
// unreachable server is retried after Retry-After or a doubling backoff (2 s .. 30 s).
function describeFailure(e) {
  const detail = `${e.code}: ${e.message} (${e.status})`;
  if (e.status === 0) return { text: 'Cannot reach the server', detail: e.message, retry: true };
  if (e.status === 503) return { text: 'The index is unavailable', detail, retry: true };
  if (e.status >= 400 && e.status < 500) return { text: `The query was refused: ${e.message} (${e.code}, ${e.status})`, detail: '', refused: true };
  return { text: `The server failed: ${e.message} (${e.code}, ${e.status})`, detail: '' };
}
const retrying = { timer: null, attempts: 0 };
function stopRetrying() { clearInterval(retrying.timer); retrying.timer = null; }
function showFailure(e) {
  view.failure = e;
  stopRetrying();
  const d = describeFailure(e);
  $('error-text').textContent = d.text;
  $('error-detail').textContent = d.detail;
  $('error-detail').hidden = !d.detail;
  $('reset').hidden = !d.refused;
  $('error-retry').textContent = '';
  $('error').dataset.kind = e.status === 0 ? 'network' : String(e.status);
  $('error').hidden = false;
  if (!view.rows.size) {
    // Nothing was listed: the live stream (refused or unreachable for the same
    // reason) and the chart wait for the list, and come back with it.
    if (source) { source.close(); source = null; }
    setLive('paused', 'Paused');
    $('chart-box').hidden = true;
  }
  if (!d.retry) return;
  retrying.attempts++;
  let left = Math.min(30, Math.max(e.retryAfter, 2 ** retrying.attempts));
  const tick = () => { $('error-retry').textContent = `; retrying in ${left} s`; };
  tick();
  retrying.timer = setInterval(() => { if (--left <= 0) retry(); else tick(); }, 1000);
}
function clearFailure() {
  stopRetrying();
  view.failure = null;
  $('error').hidden = true;
}
// Retries what failed: the first page with a fresh view (stream and chart
// again), a later page by itself.
function retry() {
  const firstPage = !view.rows.size;
  clearFailure();
  if (firstPage) reload(); else { updateCount(); loadPage(); }
}

async function loadPage() {
  if (view.loading || view.done || view.failure) return;
  view.loading = true;
  const generation = view.generation;
  $('more').disabled = true;
  try {
    const q = filterParams(view.state);
    // What the rows answer (the absolute range, presets resolved), for shared views and tests.
    $('results').dataset.query = q.toString();
    q.set('order', view.state.order);
    q.set('maxResults', PAGE_SIZE);
    if (view.nextToken) q.set('nextToken', view.nextToken);
    const page = await api('/v1/executions', q);
    if (generation !== view.generation) return;
    for (const rec of page.executions) put(rec, false);
    if (page.executions.length) view.cursor = page.executions[page.executions.length - 1];
    view.nextToken = page.nextToken;
    view.done = !page.hasMore;
    retrying.attempts = 0;
    return true;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (generation === view.generation) showFailure(e);
    return false;
  } finally {
    if (generation === view.generation) { view.loading = false; $('more').disabled = false; updateCount(); }
  }
}

// ---- live updates ----------------------------------------------------------
let source = null;
function setLive(state, text) { const l = $('live'); l.dataset.state = state; l.textContent = text; }
function openStream() {
  if (source) source.close();
  const q = filterParams(view.state);
  if (apiKey) q.set('apiKey', apiKey);  // EventSource sends no headers; the stream route accepts ?apiKey=.
  const es = source = new EventSource(`/v1/executions/stream?${q}`);
  setLive('connecting', 'Connecting…');
  es.onopen = () => setLive('live', 'Live');
  es.onerror = () => {
    if (es.readyState === EventSource.CLOSED) {
      setLive('offline', 'Offline — retrying');
      setTimeout(() => { if (source === es) openStream(); }, 5000);
    } else setLive('reconnecting', 'Reconnecting…');
  };
  es.addEventListener('execution', (e) => {
    const rec = JSON.parse(e.data);
    if (view.loading && !view.cursor) { pending.push(rec); return; }
    put(rec, true); updateCount(); chartSoon();
  });
  es.addEventListener('reset', () => reload(false));
}
const pending = [];

// ---- chart -----------------------------------------------------------------
let chartTimer = null;
function chartSoon() { if (!chartTimer) chartTimer = setTimeout(() => { chartTimer = null; loadChart(); }, 5000); }
async function loadChart() {
  const generation = view.generation;
  try {
    const stats = await api('/v1/executions/stats', filterParams(view.state));
    if (generation !== view.generation) return;
    $('chart-box').hidden = false;
    renderChart($('chart'), stats, STATUSES);
    const t = stats.totals || {};
    $('chart-note').textContent = !t.executions ? ''
      : `${t.executions} executions; duration p50 ${duration(t.durationP50) || '–'}, p95 ${duration(t.durationP95) || '–'} (estimated; bucket: ${stats.bucket || ''})`;
  } catch (e) {
    if (generation !== view.generation) return;
    $('chart-box').hidden = false;
    $('chart').replaceChildren();
    $('chart-note').textContent = e.status === 503 ? `Chart unavailable: ${e.message}` : `Chart failed: ${e.message}`;
  }
}

// ---- the filters' panel -----------------------------------------------------
// Below the phone breakpoint (style.css's 700px) the panel starts collapsed
// behind a button that counts the filters differing from the default view
// (all agents, all statuses, 7 days, newest first); wider, it is always open.
const narrow = matchMedia('(max-width: 700px)');
function setFiltersOpen(open) {
  $('filters-toggle').setAttribute('aria-expanded', String(open));
  $('filters').hidden = !open;
}
function showFilterCount(s) {
  const active = [s.agent, s.status, s.preset !== '7d', s.order !== 'desc'].filter(Boolean).length;
  $('filters-count').textContent = active ? `(${active} active)` : '';
}
setFiltersOpen(!narrow.matches);
narrow.addEventListener('change', () => setFiltersOpen(!narrow.matches));
$('filters-toggle').addEventListener('click', () => setFiltersOpen($('filters-toggle').getAttribute('aria-expanded') !== 'true'));

// ---- wiring ----------------------------------------------------------------
function showState(s) {
  $('agent').value = s.agent; $('status').value = s.status; $('order').value = s.order;
  const b = bounds(s);
  $('from').value = toLocalInput(b.from); $('to').value = toLocalInput(b.to);
  for (const btn of document.querySelectorAll('[data-preset]')) btn.setAttribute('aria-pressed', String(btn.dataset.preset === s.preset));
}
async function reload(reopenStream = true) {
  view.generation++;
  const generation = view.generation;
  clearFailure();
  Object.assign(view, { rows: new Map(), nextToken: null, done: false, cursor: null, loading: false, bounds: bounds(view.state) });
  $('rows').replaceChildren();
  updateCount();
  showFilterCount(view.state);
  pending.length = 0;
  if (reopenStream || !source) openStream();
  const listed = await loadPage();
  if (generation !== view.generation) return;
  for (const rec of pending.splice(0)) put(rec, true);
  updateCount();
  if (listed) loadChart();
}
function apply(change) {
  view.state = { ...view.state, ...change };
  writeState(view.state, false);
  showState(view.state);
  reload();
}
async function loadAgents() {
  try {
    const { agents } = await api('/v1/agents', new URLSearchParams());
    const select = $('agent');
    const names = new Set(agents.map((a) => a.agentName));
    if (view.state.agent) names.add(view.state.agent);
    for (const name of [...names].sort()) select.append(el('option', { value: name, textContent: name }));
    select.value = view.state.agent;
  } catch (e) { /* the list still works with "All agents" */ }
}

$('agent').addEventListener('change', (e) => apply({ agent: e.target.value }));
$('status').addEventListener('change', (e) => apply({ status: e.target.value }));
$('order').addEventListener('change', (e) => apply({ order: e.target.value }));
for (const id of ['from', 'to']) {
  $(id).addEventListener('change', () => apply({ preset: '', from: fromLocalInput($('from').value), to: fromLocalInput($('to').value) }));
}
for (const btn of document.querySelectorAll('[data-preset]')) btn.addEventListener('click', () => apply({ preset: btn.dataset.preset, from: '', to: '' }));
$('more').addEventListener('click', loadPage);
$('retry').addEventListener('click', retry);
$('reset').addEventListener('click', () => apply({ agent: '', status: '', preset: '7d', from: '', to: '', order: 'desc' }));
$('filters').addEventListener('submit', (e) => e.preventDefault());
window.addEventListener('popstate', () => { view.state = readState(); showState(view.state); reload(); });
// Infinite scroll as well as the button: load the next page as the end nears.
new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) loadPage(); }, { rootMargin: '400px' }).observe($('more'));
// Durations of running executions tick.
setInterval(() => {
  for (const { rec, tr } of view.rows.values()) {
    if (rec.status === 'RUNNING') tr.querySelector('[data-col=duration]').textContent = duration((Date.now() - Date.parse(rec.startDate)) / 1000);
  }
}, 1000);

view.state = readState();
writeState(view.state, true);
showState(view.state);
loadAgents();
reload();
