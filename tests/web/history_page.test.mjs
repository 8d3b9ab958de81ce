// The History page end to end: `exidx serve` (started here, on 127.0.0.1 port 0,
// over a temporary store with a fixed simulated history and read/ingest keys)
// driven in headless Debian Chromium through playwright-core.
//   EXIDX_BINARY=build/src/cli/exidx SCREENSHOT_DIR=build/tests/web/screenshots node --test history_page.test.mjs
// EXIDX_WEB_STORE picks the store: `rocksdb` (the default: the embedded store
// in a temporary directory) or `dynamodb` (a table on a moto_server started
// here, tests/aws/moto_serialized.py; the server's live updates then come from
// the table's stream). The same cases run on both.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BINARY = resolve(process.env.EXIDX_BINARY || '../../build/src/cli/exidx');
const SHOTS = resolve(process.env.SCREENSHOT_DIR || 'screenshots');
const READ_KEY = 'read-key-e2e', INGEST_KEY = 'ingest-key-e2e';
const NOW = Date.now();
const STORE = process.env.EXIDX_WEB_STORE || 'rocksdb';
if (!['rocksdb', 'dynamodb'].includes(STORE)) throw new Error(`EXIDX_WEB_STORE=${STORE}: rocksdb or dynamodb`);
const DYNAMODB = STORE === 'dynamodb';
const TABLE = 'WebTable';
// Screenshots of the DynamoDB run carry a prefix, so both runs keep theirs.
const SHOT_PREFIX = DYNAMODB ? 'dynamodb-' : '';
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// The python that has moto (as MotoPython() in tests/aws/moto_server.cc).
const MOTO_PYTHON = process.env.EXIDX_MOTO_PYTHON
  || (existsSync('/root/.pyenv/shims/python3') ? '/root/.pyenv/shims/python3' : 'python3');

const missing = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing (apt-get install chromium)` : null;
if (missing && process.env.CI) {
  test('chromium is installed', () => assert.fail(`${missing}: CI must run the browser tests`));
}
const skip = missing ? `skipped: ${missing}` : false;

let dir, server, base, browser, agents, machineOf, moto, store;
// The environment of every exidx process: on DynamoDB, moto's endpoint and
// fixed test credentials, and nothing of this machine's AWS settings.
const childEnv = { ...process.env };

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolvePort(port)); });
  });
}

// moto_server on a free port, once it answers /moto-api/ (its Python start takes a second or two).
// Its log goes to a file: a pipe would fill while execFileSync holds this process, and stall moto.
async function startMoto() {
  for (let tries = 0; ; ++tries) {
    const port = await freePort();
    const logPath = join(dir, 'moto.log');
    const logFd = openSync(logPath, 'w');
    const child = spawn(MOTO_PYTHON, [join(REPO, 'tests/aws/moto_serialized.py'), '-H', '127.0.0.1', '-p', String(port)],
      { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    let exited = false;
    child.on('exit', () => { exited = true; });
    const url = `http://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 30000; !exited && Date.now() < deadline;) {
      try { if ((await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(500) })).ok) return { child, url }; } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!exited) { child.kill('SIGKILL'); await new Promise((r) => child.once('exit', r)); }
    // Exited: the port was taken meanwhile, try another.
    if (tries === 2) {
      throw new Error(`${MOTO_PYTHON} tests/aws/moto_serialized.py did not answer on port ${port}:\n${readFileSync(logPath, 'utf8').slice(-4000)}`);
    }
  }
}

async function startServer() {
  const storeArgs = DYNAMODB ? ['--store', store, '--stream-poll-ms', '200'] : ['--store', store];
  const child = spawn(BINARY, ['serve', ...storeArgs, '--tags-file', join(dir, 'tags.json'),
    '--listen', '127.0.0.1:0', '--read-key', READ_KEY, '--ingest-key', INGEST_KEY, '--heartbeat-ms', '1000'],
  { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv });
  const lines = createInterface({ input: child.stderr });
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error('exidx serve did not log "listening" and "ready" in 20 s')), 20000);
    child.on('exit', (code) => reject(new Error(`exidx serve exited with ${code}`)));
    // It listens before its store is open, and logs "ready" once it is.
    let listeningUrl;
    lines.on('line', (line) => {
      try {
        const l = JSON.parse(line);
        if (l.msg === 'listening') listeningUrl = l.url;
        if (l.msg === 'ready' && listeningUrl) { clearTimeout(timer); resolveUrl(listeningUrl); }
      } catch { /* not JSON */ }
    });
  });
  return { child, url };
}

async function api(path, params = {}) {
  const res = await fetch(`${base}${path}?${new URLSearchParams(params)}`, { headers: { 'x-api-key': READ_KEY } });
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return res.json();
}
// Every row of a query, walking nextToken.
async function allRows(params) {
  const arns = [];
  let token = null;
  do {
    const page = await api('/v1/executions', { ...params, maxResults: '37', ...(token ? { nextToken: token } : {}) });
    arns.push(...page.executions.map((e) => e.executionArn));
    token = page.nextToken;
  } while (token);
  return arns;
}
async function postEvent(machineArn, name, status, start, stop = null) {
  const arn = machineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
  const event = { version: '0', id: `e2e-${name}-${status}`, 'detail-type': 'Step Functions Execution Status Change', source: 'aws.states',
    account: '123456789012', time: new Date().toISOString(), region: 'us-west-2', resources: [arn],
    detail: { executionArn: arn, stateMachineArn: machineArn, name, status, startDate: start, stopDate: stop,
      ...(status === 'FAILED' ? { error: 'States.TaskFailed', cause: 'the e2e test said so' } : {}) } };
  const res = await fetch(`${base}/v1/events`, { method: 'POST', headers: { 'x-api-key': INGEST_KEY, 'content-type': 'application/json' }, body: JSON.stringify(event) });
  assert.equal(res.status, 200, await res.text());
  return arn;
}
// The filters the page's rows answer (presets resolved to absolute bounds).
async function paramsOfPage(page) {
  const query = await page.getAttribute('#results', 'data-query');
  const p = Object.fromEntries(new URLSearchParams(query));
  p.order = new URL(page.url()).searchParams.get('order') || 'desc';
  return p;
}
// Pages through to the end ("Load more", racing the page's own infinite scroll).
// moto answers each Query by going over the whole table in Python, one request
// at a time: a page of the list takes about a second there (eight shards of
// AllDateIndex), so the DynamoDB run allows longer for a long list.
const LOAD_ALL_MS = DYNAMODB ? 90000 : 30000;
async function loadAll(page) {
  await page.waitForFunction(() => {
    const more = document.getElementById('more');
    if (more.hidden) return true;
    if (!document.getElementById('error').hidden) throw new Error(document.getElementById('error').textContent);
    if (!more.disabled) more.click();
    return false;
  }, null, { polling: 100, timeout: LOAD_ALL_MS });
  return page.$$eval('#rows tr', (trs) => trs.map((tr) => tr.dataset.arn));
}
// Script errors on any page fail the test that made them.
const pageErrors = [];
function watch(page) {
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  return page;
}
async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  await context.addInitScript((key) => localStorage.setItem('exidx.apiKey', key), READ_KEY);
  return watch(await context.newPage());
}
const shotPath = (name) => join(SHOTS, `${SHOT_PREFIX}${name}.png`);
const shot = (page, name) => page.screenshot({ path: shotPath(name), fullPage: true });
const PHONE = { width: 390, height: 844 };
// The same state at 1280 px (NAME-1280.png) and at phone width (NAME-390.png).
async function shotBoth(page, name) {
  const wide = page.viewportSize();
  await page.setViewportSize({ width: 1280, height: 900 });
  await nextFrame(page);
  await shot(page, `${name}-1280`);
  await page.setViewportSize(PHONE);
  await nextFrame(page);
  await page.screenshot({ path: shotPath(`${name}-390`) });  // The first screen.
  await page.setViewportSize(wide);
  await nextFrame(page);
}
// After a resize: the media queries, then the chart's redraw (a ResizeObserver callback).
const nextFrame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
// The chart's labels as drawn: text, axis, box (CSS px) and font size.
const chartLabels = (page) => page.$$eval('#chart svg text', (texts) => texts.map((t) => {
  const r = t.getBoundingClientRect();
  return { text: t.textContent, axis: t.dataset.axis, x: r.x, y: r.y, width: r.width, height: r.height,
    fontPx: parseFloat(getComputedStyle(t).fontSize) };
}));
// Labels that can be read: at least 12 px, drawn at that size (the SVG not
// scaled down), no two boxes overlapping, inside the chart; each axis's labels distinct.
function assertReadable(labels, chartBox, where) {
  assert.ok(labels.length > 0, `${where}: labels`);
  for (const l of labels) {
    assert.ok(l.fontPx >= 12, `${where}: ${l.text} at ${l.fontPx}px`);
    assert.ok(l.height >= 12, `${where}: ${l.text} drawn ${l.height}px high`);
    assert.ok(l.x >= chartBox.x - 0.5 && l.x + l.width <= chartBox.x + chartBox.width + 0.5, `${where}: ${l.text} inside the chart`);
  }
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      const a = labels[i], b = labels[j];
      const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
      assert.ok(apart, `${where}: "${a.text}" and "${b.text}" overlap`);
    }
  }
  for (const axis of ['count', 'duration', 'time']) {
    const texts = labels.filter((l) => l.axis === axis).map((l) => l.text);
    assert.equal(new Set(texts).size, texts.length, `${where}: distinct ${axis} labels: ${texts}`);
  }
  const counts = labels.filter((l) => l.axis === 'count').map((l) => Number(l.text));
  assert.ok(counts.length >= 2 && counts.every(Number.isInteger) && counts[0] === 0, `${where}: count ticks ${counts}`);
}
// The error state: shown as an alert, with Retry, and neither "Load more" nor "No executions".
async function assertErrorState(page, text) {
  const error = page.locator('#error[role=alert]');
  await error.waitFor();
  await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('error-text').textContent
    + document.getElementById('error-retry').textContent), text.source);
  assert.ok(await page.locator('#retry').isVisible(), 'Retry');
  assert.equal(await page.locator('#retry').evaluate((b) => b.tagName), 'BUTTON');
  assert.equal(await page.locator('#more').isVisible(), false, 'no Load more');
  assert.equal(await page.locator('#empty').isVisible(), false, 'no "No executions"');
  assert.equal(await page.locator('#rows tr').count(), 0);
  // Nothing listed: no table head, no chart (it comes back with the list).
  assert.equal(await page.locator('#results thead').isVisible(), false);
  assert.equal(await page.locator('#chart-box').isVisible(), false);
  return (await error.innerText()).trim();
}

before(async () => {
  if (skip) return;
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'exidx-web-'));
  const events = join(dir, 'events.ndjson');
  if (DYNAMODB) {
    moto = await startMoto();
    for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL_DYNAMODB',
      'AWS_ENDPOINT_URL_DYNAMODB_STREAMS', 'AWS_ENDPOINT_URL_SFN', 'EXIDX_STORE', 'EXIDX_STREAM_POLL_MS', 'EXECUTION_INDEX_TABLE_NAME']) {
      delete childEnv[name];
    }
    Object.assign(childEnv, { AWS_ENDPOINT_URL: moto.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing-secret', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent/x',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/y' });
    store = `dynamodb://${TABLE}`;
    execFileSync(BINARY, ['init', '--store', store, '--statistics-wait', '0'], { env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  } else {
    store = join(dir, 'store');
  }
  // A fixed history: the same seed gives the same events; the window ends now.
  execFileSync(BINARY, ['simulate', '--executions', '600', '--seed', '11', '--agents', '4', '--duplicate-rate', '0.1',
    '--reorder-rate', '0.2', '--start', new Date(NOW - 20 * 864e5).toISOString(), '--end', new Date(NOW - 6e4).toISOString(),
    '--output', events, '--tags-out', join(dir, 'tags.json')]);
  // --relaxed-durability is the embedded store's alone.
  execFileSync(BINARY, ['ingest', events, '--store', store, '--tags-file', join(dir, 'tags.json'),
    ...(DYNAMODB ? [] : ['--relaxed-durability'])], { env: childEnv });
  ({ child: server, url: base } = await startServer());
  agents = (await api('/v1/agents')).agents.map((a) => a.agentName);
  machineOf = {};
  for (const agent of agents) machineOf[agent] = (await api('/v1/executions', { agentName: agent, maxResults: '1' })).executions[0].stateMachineArn;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'] });
});

afterEach(() => assert.deepEqual(pageErrors.splice(0), [], 'no script errors'));

after(async () => {
  await browser?.close();
  if (server) { server.kill('SIGTERM'); await new Promise((r) => server.once('exit', r)); }
  if (moto && moto.child.exitCode === null && moto.child.signalCode === null) {
    const exited = new Promise((r) => moto.child.once('exit', r));
    moto.child.kill('SIGTERM');
    const timer = setTimeout(() => moto.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('asks for the read key, then lists every agent\'s executions of the last 7 days', { skip }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = watch(await context.newPage());
  await page.goto(`${base}/`);
  await page.locator('#key-dialog').waitFor({ state: 'visible' });
  await page.locator('#key-input').fill(READ_KEY);
  await page.keyboard.press('Enter');
  await page.locator('#rows tr').first().waitFor();
  assert.equal(new URL(page.url()).searchParams.get('preset'), '7d');
  assert.equal(await page.evaluate(() => localStorage.getItem('exidx.apiKey')), READ_KEY);
  await page.locator('#live[data-state=live]').waitFor();
  const shown = await loadAll(page);
  assert.ok(shown.length > 50, `more than a page: ${shown.length}`);
  assert.equal(new Set(shown).size, shown.length, 'no duplicate rows');
  assert.deepEqual(shown, await allRows(await paramsOfPage(page)));
  // The chart, from the store's hourly cells (the embedded store's, or the table's
  // through StatsIndex): bars and a total, not "Chart unavailable".
  await page.locator('#chart svg rect').first().waitFor();
  const note = await page.textContent('#chart-note');
  assert.match(note, /^[1-9]\d* executions; duration p50 /, note);
  await shot(page, 'history-all-agents');
  await context.close();
});

test('filters by agent, status and dates; walks every page; matches the API row for row', { skip }, async () => {
  const page = await newPage();
  await page.goto(`${base}/?preset=30d`);
  await page.locator('#rows tr').first().waitFor();
  await page.selectOption('#agent', agents[1]);
  await page.selectOption('#status', 'FAILED');
  await page.waitForFunction((a) => location.search.includes(encodeURIComponent(a)) && location.search.includes('FAILED'), agents[1]);
  await loadAll(page);
  let shown = await loadAll(page);
  let expected = await allRows(await paramsOfPage(page));
  assert.ok(expected.length > 0, 'the simulated history has failures of this agent');
  assert.deepEqual(shown, expected);
  assert.deepEqual(new Set(await page.$$eval('#rows tr', (t) => t.map((r) => r.dataset.status))), new Set(['FAILED']));
  assert.match(await page.locator('#rows tr td[data-col=error]').first().innerText(), /\S/, 'failures show their error');
  const link = await page.locator('#rows tr a').first().getAttribute('href');
  assert.match(link, /^https:\/\/([a-z0-9-]+)\.console\.aws\.amazon\.com\/states\/home\?region=\1#\/v2\/executions\/details\/arn:aws:states:\1:/);

  // A date range from the inputs: agent and status back to all, from 12 days ago to 3 days ago.
  await page.selectOption('#status', '');
  await page.selectOption('#agent', '');
  const local = (ms) => { const d = new Date(ms - new Date(ms).getTimezoneOffset() * 6e4); return d.toISOString().slice(0, 19); };
  await page.fill('#from', local(NOW - 12 * 864e5));
  await page.locator('#from').dispatchEvent('change');
  await page.fill('#to', local(NOW - 3 * 864e5));
  await page.locator('#to').dispatchEvent('change');
  await page.waitForFunction(() => new URLSearchParams(location.search).has('to') && !new URLSearchParams(location.search).has('preset'));
  shown = await loadAll(page);
  expected = await allRows(await paramsOfPage(page));
  assert.ok(expected.length > 50, `several pages: ${expected.length}`);
  assert.deepEqual(shown, expected);
  await shot(page, 'history-filtered');

  // Oldest first.
  await page.selectOption('#order', 'asc');
  await page.waitForFunction(() => location.search.includes('order=asc'));
  shown = await loadAll(page);
  assert.deepEqual(shown, await allRows(await paramsOfPage(page)));
  await page.context().close();
});

test('live: a new execution appears at the top, its status changes in place, paging stays exact', { skip }, async () => {
  const page = await newPage();
  const agent = agents[0];
  await page.goto(`${base}/?agent=${encodeURIComponent(agent)}&preset=24h`);
  await page.locator('#live[data-state=live]').waitFor();
  await page.waitForFunction(() => !document.getElementById('more').disabled);
  const firstBefore = await page.$eval('#rows tr', (tr) => tr.dataset.arn).catch(() => null);
  const start = Date.now();
  // On DynamoDB each change reaches the page through the table's stream, read
  // every 200 ms (--stream-poll-ms): the waits below (Playwright's 30 s) cover
  // it. moto's stream has one shard, so changes arrive in the order posted.
  const arn = await postEvent(machineOf[agent], 'e2e-live-1', 'RUNNING', start);
  await page.locator(`#rows tr[data-arn="${arn}"]`).waitFor();
  assert.equal(await page.$eval('#rows tr', (tr) => tr.dataset.arn), arn, 'at the top');
  assert.equal(await page.locator(`#rows tr[data-arn="${arn}"] .badge`).innerText(), 'RUNNING');
  const d1 = await page.locator(`#rows tr[data-arn="${arn}"] td[data-col=duration]`).innerText();
  await page.waitForTimeout(1200);
  assert.notEqual(await page.locator(`#rows tr[data-arn="${arn}"] td[data-col=duration]`).innerText(), d1, 'duration ticks');
  // Another agent's execution does not appear under this filter.
  const other = await postEvent(machineOf[agents[2]], 'e2e-live-other', 'RUNNING', start);
  await postEvent(machineOf[agent], 'e2e-live-1', 'FAILED', start, start + 1500);
  await page.waitForFunction((a) => document.querySelector(`#rows tr[data-arn="${a}"]`)?.dataset.status === 'FAILED', arn);
  assert.equal(await page.locator(`#rows tr[data-arn="${arn}"]`).count(), 1, 'updated in place');
  assert.equal(await page.locator(`#rows tr[data-arn="${other}"]`).count(), 0);
  assert.match(await page.locator(`#rows tr[data-arn="${arn}"] td[data-col=error]`).innerText(), /States\.TaskFailed/);
  if (firstBefore) assert.equal(await page.$eval('#rows tr:nth-child(2)', (tr) => tr.dataset.arn), firstBefore);
  // Everything loaded still equals the API's answer: no duplicate, no gap.
  const shown = await loadAll(page);
  assert.deepEqual(shown, await allRows(await paramsOfPage(page)));
  await shot(page, 'history-live');
  await page.context().close();
});

test('a shared URL restores the view; phone width and dark mode render', { skip }, async () => {
  const agent = agents[3];
  const shared = `${base}/?agent=${encodeURIComponent(agent)}&status=SUCCEEDED&preset=30d&order=asc`;
  const page = await newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  await page.goto(shared);
  await page.locator('#rows tr').first().waitFor();
  // The agent menu comes from /v1/agents, which may answer after the first rows
  // (on DynamoDB it sums StatsIndex's shards): every agent, the URL's selected.
  await page.locator('#agent option').nth(1).waitFor({ state: 'attached' });
  assert.deepEqual(await page.$$eval('#agent option', (o) => o.map((x) => x.value)), ['', ...[...agents].sort()]);
  assert.equal(await page.inputValue('#agent'), agent);
  assert.equal(await page.inputValue('#status'), 'SUCCEEDED');
  assert.equal(await page.inputValue('#order'), 'asc');
  assert.equal(await page.getAttribute('[data-preset="30d"]', 'aria-pressed'), 'true');
  const firstPage = await page.$$eval('#rows tr', (t) => t.map((r) => r.dataset.arn));
  // The history is 20 days long, so a 30-day preset holds all of it.
  const expected = await allRows({ agentName: agent, status: 'SUCCEEDED', order: 'asc' });
  assert.ok(firstPage.length > 0);
  assert.deepEqual(firstPage, expected.slice(0, firstPage.length));
  // Phone width: the table becomes cards, nothing overflows sideways.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal scroll');
  // Keyboard: the filters are reachable with Tab (behind their toggle at phone width).
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'filters-toggle');
  assert.equal(await page.getAttribute('#filters-toggle', 'aria-expanded'), 'false');
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('#filters-toggle', 'aria-expanded'), 'true');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'agent');
  await page.screenshot({ path: shotPath('history-phone-dark') });  // The first screen: the list is long.
  await page.context().close();
});

test('a refused query (400) says what the API refused, offers Retry and Reset filters, not "Load more"', { skip }, async () => {
  const page = await newPage();
  const res = await fetch(`${base}/v1/executions?startDateFrom=yesterday`, { headers: { 'x-api-key': READ_KEY } });
  assert.equal(res.status, 400);
  const { error } = await res.json();
  // The page's filters in the URL, as a shared link would carry them.
  await page.goto(`${base}/?from=yesterday`);
  const shown = await assertErrorState(page, /^The query was refused: /);
  assert.ok(shown.includes(`The query was refused: ${error.message} (${error.code}, 400)`), shown);
  assert.ok(await page.locator('#reset').isVisible(), 'Reset filters');
  assert.equal(await page.textContent('#count'), '');
  // The live badge is not "Offline": the stream waits for the list (the same query refused).
  assert.equal(await page.getAttribute('#live', 'data-state'), 'paused');
  await shotBoth(page, 'history-error-400');
  await page.waitForTimeout(5500);  // Past the stream's 5 s reconnect.
  assert.equal(await page.getAttribute('#live', 'data-state'), 'paused');
  // Retry asks again (and is refused again); Reset filters goes back to the default view.
  await page.click('#retry');
  await assertErrorState(page, /^The query was refused: /);
  await page.click('#reset');
  await page.locator('#rows tr').first().waitFor();
  assert.equal(await page.locator('#error').isVisible(), false);
  assert.equal(new URL(page.url()).searchParams.get('preset'), '7d');
  await page.locator('#live[data-state=live]').waitFor();
  await page.context().close();
});

test('an unavailable index (503) and an unreachable server: the error says so, retries by itself and on Retry', { skip }, async () => {
  const page = await newPage();
  // The list's requests only (not the page, the chart or the stream) are answered
  // as the server answers when the store is unavailable (CONTRACT: 503, Retry-After).
  let answered = 0;
  const listRoute = (url) => url.pathname === '/v1/executions';
  const unavailable = (route) => { answered++; return route.fulfill({ status: 503, contentType: 'application/json',
    headers: { 'Retry-After': '1' }, body: JSON.stringify({ error: { code: 'Unavailable', message: 'the store is busy; retry later' } }) }); };
  await page.route(listRoute, unavailable);
  await page.goto(`${base}/?preset=30d`);
  const shown = await assertErrorState(page, /^The index is unavailable; retrying in \d+ s$/);
  assert.match(shown, /Unavailable: the store is busy; retry later \(503\)/);
  assert.equal(await page.locator('#reset').isVisible(), false);
  assert.notEqual(await page.getAttribute('#live', 'data-state'), 'offline');
  await shotBoth(page, 'history-error-503');
  // It retries by itself (Retry-After 1 s, backoff 2 s), and says so again.
  const first = answered;
  await expectEventually(() => answered > first, 'an automatic retry');
  await assertErrorState(page, /^The index is unavailable; retrying in \d+ s$/);

  // The server unreachable.
  await page.unroute(listRoute, unavailable);
  await page.route(listRoute, (route) => route.abort('internetdisconnected'));
  await page.click('#retry');
  await assertErrorState(page, /^Cannot reach the server; retrying in \d+ s$/);
  await shotBoth(page, 'history-error-network');

  // Back: Retry lists the rows, the chart and the live stream return.
  await page.unrouteAll();
  await page.click('#retry');
  await page.locator('#rows tr').first().waitFor();
  assert.equal(await page.locator('#error').isVisible(), false);
  await page.locator('#live[data-state=live]').waitFor();
  await page.locator('#chart svg').waitFor();
  await page.waitForFunction(() => !document.getElementById('more').disabled);
  const firstPage = await page.$$eval('#rows tr', (trs) => trs.map((tr) => tr.dataset.arn));
  const expected = (await api('/v1/executions', { ...(await paramsOfPage(page)), maxResults: String(firstPage.length) })).executions;
  assert.deepEqual(firstPage, expected.map((e) => e.executionArn));
  await page.context().close();
});
async function expectEventually(check, what, ms = 15000) {
  for (const deadline = Date.now() + ms; !check();) {
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('an empty result: "No executions match these filters", a chart without axes; small maxima get distinct ticks', { skip }, async () => {
  const page = await newPage();
  // The history covers the last 20 days: 60 to 50 days ago holds nothing.
  const from = new Date(NOW - 60 * 864e5).toISOString(), to = new Date(NOW - 50 * 864e5).toISOString();
  assert.deepEqual(await allRows({ startDateFrom: from, startDateTo: to }), []);
  await page.goto(`${base}/?from=${from}&to=${to}`);
  await page.locator('#empty').waitFor();
  assert.equal((await page.textContent('#empty')).trim(), 'No executions match these filters.');
  assert.equal(await page.locator('#error').isVisible(), false);
  assert.equal(await page.locator('#more').isVisible(), false);
  await page.locator('#chart[data-empty] .chart-empty').waitFor();
  assert.equal(await page.locator('#chart svg').count(), 0, 'no axes drawn for nothing');
  assert.equal((await page.textContent('#chart')).trim(), 'No executions in this range');
  await shotBoth(page, 'history-empty');

  // One execution's second: a chart whose highest bar is 1.
  const one = (await api('/v1/executions', { agentName: agents[0], maxResults: '1' })).executions[0];
  const start = Date.parse(one.startDate);
  await page.goto(`${base}/?agent=${encodeURIComponent(agents[0])}&from=${new Date(start - 500).toISOString()}&to=${new Date(start + 500).toISOString()}`);
  await page.locator('#chart svg').waitFor();
  assertReadable(await chartLabels(page), await page.locator('#chart').boundingBox(), 'one execution');
  assert.deepEqual((await chartLabels(page)).filter((l) => l.axis === 'count').map((l) => l.text), ['0', '1']);

  // The page's own chart module on highest bars of 1, 2, 3 and more: whole, distinct ticks.
  const ticks = await page.evaluate(async (statuses) => {
    const { renderChart } = await import('/assets/chart.js');
    const out = {};
    for (const max of [1, 2, 3, 7, 12, 130]) {
      const box = document.body.appendChild(Object.assign(document.createElement('div'), { style: 'width:800px' }));
      const hour = (i) => new Date(Date.UTC(2026, 0, 1, i)).toISOString();
      renderChart(box, { bucket: 'hour', buckets: [0, 1, 2].map((i) => ({ start: hour(i), counts: { SUCCEEDED: i === 1 ? max : 0 } })) }, statuses);
      out[max] = [...box.querySelectorAll('text[data-axis=count]')].map((t) => t.textContent);
      box.remove();
    }
    return out;
  }, ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);
  assert.deepEqual(ticks[1], ['0', '1']);
  assert.deepEqual(ticks[2], ['0', '1', '2']);
  assert.deepEqual(ticks[3], ['0', '1', '2', '3']);
  for (const [max, labels] of Object.entries(ticks)) {
    const n = labels.map(Number);
    assert.equal(new Set(n).size, n.length, `${max}: ${labels}`);
    assert.ok(n.every(Number.isInteger) && n[0] === 0 && n.at(-1) >= Number(max) && n.length <= 6, `${max}: ${labels}`);
  }
  await page.context().close();
});

test('phone width: filters collapsed behind a toggle that counts them, the list on the first screen, chart labels readable', { skip }, async () => {
  const page = await newPage({ viewport: PHONE });
  await page.goto(`${base}/?preset=30d&status=FAILED`);
  await page.locator('#rows tr').first().waitFor();
  await page.locator('#chart svg').waitFor();
  const toggle = page.locator('#filters-toggle');
  assert.ok(await toggle.isVisible());
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await toggle.getAttribute('aria-controls'), 'filters');
  assert.equal((await toggle.innerText()).trim(), 'Filters (2 active)');
  assert.equal(await page.locator('#filters').isVisible(), false);
  const firstRow = await page.locator('#rows tr').first().boundingBox();
  assert.ok(firstRow.y + 40 <= PHONE.height, `the first row starts at ${firstRow.y} px, within the first ${PHONE.height} px`);
  assertReadable(await chartLabels(page), await page.locator('#chart').boundingBox(), '390 px, days');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no horizontal scroll');
  await page.screenshot({ path: shotPath('history-phone-collapsed') });
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.ok(await page.locator('#agent').isVisible());
  await page.selectOption('#agent', agents[0]);
  await page.waitForFunction(() => document.getElementById('filters-toggle').textContent.includes('(3 active)'));
  await page.screenshot({ path: shotPath('history-phone-expanded') });
  // Hourly buckets (longer labels), at phone width and wide.
  await page.click('[data-preset="24h"]');
  await page.waitForFunction(() => location.search.includes('preset=24h'));
  await page.selectOption('#agent', '');
  await page.selectOption('#status', '');
  await page.locator('#rows tr').first().waitFor();
  await page.waitForFunction(() => document.getElementById('chart-note').textContent.includes('bucket: hour'));
  assertReadable(await chartLabels(page), await page.locator('#chart').boundingBox(), '390 px, hours');
  await page.setViewportSize({ width: 1280, height: 900 });
  await nextFrame(page);
  assert.equal(await toggle.isVisible(), false, 'no toggle when wide');
  assert.ok(await page.locator('#filters').isVisible(), 'filters open when wide');
  assertReadable(await chartLabels(page), await page.locator('#chart').boundingBox(), '1280 px, hours');
  await shotBoth(page, 'history-list');
  await page.context().close();
});
