// Every answer of `exidx serve` checked against docs/openapi.yaml: the real
// binary on 127.0.0.1 port 0 over a fresh store, spoken to over raw TCP (so
// that framing errors, repeated headers and oversized bodies can be sent),
// every route with its errors (bad parameters, page tokens, events and keys,
// oversized bodies and headers, other methods, unknown paths). Each answer's
// status, headers, content type and body (each SSE event's data too) must be
// what the spec describes for its route and status: a field, status or
// content type it does not describe fails the test. The server's route table
// (EXIDX_ROUTE_TABLE, tests/openapi/route_table.cc) must be the spec's list of
// operations, and every operation must have been exercised.
//   EXIDX_BINARY=../../build/src/cli/exidx EXIDX_ROUTE_TABLE=../../build/tests/openapi_route_table \
//     node --test http_conformance.test.mjs           (CTest: openapi_http_conformance)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { SpecChecker, loadSpec, operationsOf } from './openapi.mjs';

const BINARY = resolve(process.env.EXIDX_BINARY || '../../build/src/cli/exidx');
const ROUTE_TABLE = resolve(process.env.EXIDX_ROUTE_TABLE || '../../build/tests/openapi_route_table');
const READ_KEY = 'read-key-openapi', INGEST_KEY = 'ingest-key-openapi';
const T0 = Date.UTC(2025, 8, 29, 10);  // 2025-09-29T10:00:00Z
const NOW = Date.now();

const spec = loadSpec();
const checker = new SpecChecker(spec);
const exercised = new Set();  // "GET /v1/executions 400": what was answered and checked.
const captured = {};          // Answers the strictness test re-checks against broken copies of the spec.
let dir, main, tagless;

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolvePort(port)); });
  });
}

// `exidx serve` on a free port; resolves once it logs "listening" and then
// "ready" (it listens before its store is open).
function startServer(args, env = process.env) {
  const child = spawn(BINARY, ['serve', '--listen', '127.0.0.1:0', '--read-key', READ_KEY, '--ingest-key', INGEST_KEY, ...args],
    { stdio: ['ignore', 'ignore', 'pipe'], env });
  const log = [];
  const lines = createInterface({ input: child.stderr });
  let port;
  return new Promise((resolveServer, reject) => {
    const timer = setTimeout(() => reject(new Error(`exidx serve did not log "listening" and "ready" in 30 s:\n${log.join('\n')}`)), 30000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`exidx serve exited with ${code}:\n${log.join('\n')}`)); });
    lines.on('line', (line) => {
      log.push(line);
      try {
        const l = JSON.parse(line);
        if (l.msg === 'listening') port = l.port;
        if (l.msg === 'ready' && port !== undefined) { clearTimeout(timer); resolveServer({ child, port, log }); }
      } catch { /* not JSON */ }
    });
  });
}

async function stopServer(server) {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
}

// The answer in `bytes` once it is whole: {status, headers, body}, or null.
function parseAnswer(bytes, closed) {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(head[0].split(' ')[1]);
  const headers = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase(), value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const rest = bytes.subarray(end + 4);
  if (status === 100) return parseAnswer(rest, closed);
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (rest.length < length) return null;
    return { status, headers, body: rest.subarray(0, length).toString('utf8') };
  }
  return closed ? { status, headers, body: rest.toString('utf8') } : null;
}

// Sends `raw` (the whole request, as bytes) and reads the answer: whole by
// its Content-Length, or, for a stream, until `until(bodySoFar)` holds, then
// hangs up. `after(socket)` may send more once the request is out.
function exchange(port, raw, { until, after: sendMore, timeoutMs = 15000 } = {}) {
  return new Promise((resolveAnswer, reject) => {
    const socket = connect(port, '127.0.0.1');
    let bytes = Buffer.alloc(0), done = false;
    const finish = (answer, error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error); else resolveAnswer(answer);
    };
    const timer = setTimeout(() => {
      const partial = parseAnswer(bytes, true);
      if (until && partial) return finish(null, new Error(`the stream did not bring what was awaited in ${timeoutMs} ms:\n${partial.body}`));
      finish(null, new Error(`no whole answer in ${timeoutMs} ms: ${bytes.toString('latin1').slice(0, 500)}`));
    }, timeoutMs);
    socket.on('error', (e) => {
      // The server may close after answering while a too-large body is still being sent.
      const answer = parseAnswer(bytes, true);
      if (answer) finish(answer); else finish(null, e);
    });
    socket.on('data', (chunk) => {
      bytes = Buffer.concat([bytes, chunk]);
      if (until) {
        const partial = parseAnswer(bytes, true);
        if (partial && (partial.status !== 200 || until(partial.body))) finish(partial);
        return;
      }
      const answer = parseAnswer(bytes, false);
      if (answer) finish(answer);
    });
    socket.on('end', () => {
      const answer = parseAnswer(bytes, true);
      if (answer) finish(answer); else finish(null, new Error(`the connection closed before a whole answer: ${bytes.toString('latin1')}`));
    });
    socket.write(raw, () => { if (sendMore) sendMore(socket); });
  });
}

// A request's bytes. `headers` is a list of [name, value] (repeats allowed);
// Host and Connection: close are added unless `bare`.
function request(method, target, { headers = [], body, bare = false } = {}) {
  const lines = [`${method} ${target} HTTP/1.1`];
  if (!bare) lines.push('Host: 127.0.0.1', 'Connection: close');
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(body ?? '', 'utf8')]);
}

const READ = [['x-api-key', READ_KEY]];
const INGEST = [['x-api-key', INGEST_KEY]];

// Sends a request to `server`, checks the answer against the spec (for the
// target's path) and that its status is `status`; returns the answer.
async function call(server, method, target, { status, headers = [], body, raw, until, after: sendMore } = {}) {
  const path = target.split('?')[0];
  const answer = await exchange(server.port, raw ?? request(method, target, { headers, body }), { until, after: sendMore });
  assert.equal(answer.status, status, `${method} ${target}: ${answer.status} ${answer.body.slice(0, 400)}`);
  assert.deepEqual(checker.check(method, path, answer), [], `${method} ${target} answered ${answer.status} ${answer.body.slice(0, 400)}`);
  const known = spec.paths[path] ? path : '(unknown path)';
  exercised.add(`${method} ${known} ${answer.status}`);
  return answer;
}

const json = (answer) => JSON.parse(answer.body);
const codeOf = (answer) => json(answer).error.code;

function event(id, machine, name, status, start, { stop = null, error, cause, redriveCount, source = 'aws.states' } = {}) {
  const machineArn = `arn:aws:states:us-east-1:123456789012:stateMachine:${machine}`;
  const arn = `arn:aws:states:us-east-1:123456789012:execution:${machine}:${name}`;
  const detail = { executionArn: arn, stateMachineArn: machineArn, name, status, startDate: start, stopDate: stop, input: '{}' };
  if (error) detail.error = error;
  if (cause) detail.cause = cause;
  if (redriveCount !== undefined) detail.redriveCount = redriveCount;
  return { version: '0', id, 'detail-type': 'Step Functions Execution Status Change', source, account: '123456789012',
    time: new Date(start).toISOString(), region: 'us-east-1', resources: [arn], detail };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exidx-openapi-'));
  main = await startServer(['--store', join(dir, 'main'), '--index-all', '--heartbeat-ms', '300']);
  // No tag source but Step Functions, at a port where nothing listens: every
  // tag lookup fails, so POST /v1/events answers 503. Two connections at most.
  const nobody = await freePort();
  const env = { PATH: process.env.PATH, HOME: dir, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDOPENAPITEST',
    AWS_SECRET_ACCESS_KEY: 'openapi-test-secret', AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${nobody}`,
    AWS_EC2_METADATA_DISABLED: 'true' };
  tagless = await startServer(['--store', join(dir, 'tagless'), '--request-deadline-ms', '500', '--max-connections', '2',
    '--read-timeout-ms', '30000'], env);
});

after(async () => {
  await stopServer(main);
  await stopServer(tagless);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the server\'s route table is the spec\'s list of operations, with the same keys', () => {
  const routes = execFileSync(ROUTE_TABLE, { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(routes.length >= 9, `route table: ${JSON.stringify(routes)}`);
  const table = routes.map((r) => `${r.method} ${r.path}`).sort();
  const described = operationsOf(spec).map((o) => `${o.method} ${o.path}`).sort();
  assert.deepEqual(table, described, 'routes of the server (actual) and operations of docs/openapi.yaml (expected)');
  for (const route of routes) {
    const operation = spec.paths[route.path][route.method.toLowerCase()];
    const schemes = (operation.security ?? spec.security ?? []).flatMap((r) => Object.keys(r));
    const expected = { public: [], read: ['readKeyBearer', 'readKeyHeader'], ingest: ['ingestKeyBearer', 'ingestKeyHeader'] }[route.access];
    if (route.path === '/v1/executions/stream') expected.push('readKeyQuery');
    assert.deepEqual(schemes.sort(), [...expected].sort(), `${route.method} ${route.path} (${route.access})`);
  }
});

test('POST /v1/events: one event, an array, NDJSON, skipped events, and what is refused', async () => {
  const post = (body, status, headers = INGEST, contentType = 'application/json') =>
    call(main, 'POST', '/v1/events', { status, body, headers: [...headers, ['Content-Type', contentType]] });
  let answer = await post(JSON.stringify(event('e1', 'alpha', 'a1', 'RUNNING', T0)), 200);
  assert.deepEqual(json(answer), { received: 1, indexed: 1, unchanged: 0, skipped: 0 });
  answer = await post(JSON.stringify([
    event('e2', 'alpha', 'a1', 'FAILED', T0, { stop: T0 + 1500, error: 'States.TaskFailed', cause: 'the test said so' }),
    event('e3', 'alpha', 'a2', 'SUCCEEDED', T0 + 1000, { stop: T0 + 61000, redriveCount: 1 }),
    event('e4', 'beta', 'b1', 'TIMED_OUT', T0 + 2000, { stop: T0 + 3000 }),
    event('e5', 'beta', 'b2', 'RUNNING', NOW - 3600 * 1000),
    event('e6', 'gamma', 'g1', 'ABORTED', NOW - 7200 * 1000, { stop: NOW - 7100 * 1000 }),
    event('e1', 'alpha', 'a1', 'RUNNING', T0),
  ]), 200);
  assert.deepEqual(json(answer), { received: 6, indexed: 5, unchanged: 1, skipped: 0 });
  answer = await post([event('e7', 'beta', 'b3', 'PENDING_REDRIVE', T0 + 4000, { stop: T0 + 5000 }),
    event('e8', 'other', 'o1', 'RUNNING', T0, { source: 'aws.other' })].map((e) => JSON.stringify(e)).join('\n'), 200,
  INGEST, 'application/x-ndjson');
  assert.deepEqual(json(answer), { received: 2, indexed: 1, unchanged: 0, skipped: 1 });
  answer = await post('', 200);
  assert.deepEqual(json(answer), { received: 0, indexed: 0, unchanged: 0, skipped: 0 });
  answer = await post(JSON.stringify(event('e9', 'alpha', 'a3', 'SUCCEEDED', T0 + 100, { stop: T0 + 200 })), 200,
    [['Authorization', `bearer ${INGEST_KEY}`]]);
  assert.equal(json(answer).indexed, 1);

  for (const [body, field] of [['{"source":', 'invalid JSON'], [JSON.stringify(event('x1', 'alpha', 'x', 'DONE', T0)), 'detail.status'],
    [JSON.stringify({ ...event('x2', 'alpha', 'x', 'RUNNING', T0), detail: { name: 'x' } }), 'detail.executionArn'],
    ['[1]', 'expected a JSON object'], [`${JSON.stringify(event('x3', 'alpha', 'x', 'RUNNING', T0))}\n[]`, 'event 2']]) {
    answer = await post(body, 400);
    assert.equal(codeOf(answer), 'InvalidEvent');
    assert.match(json(answer).error.message, new RegExp(field.replace(/[.[\]]/g, '\\$&')));
  }
  for (const headers of [[], READ, [['x-api-key', 'wrong']], [['Authorization', `Basic ${INGEST_KEY}`]],
    [['x-api-key', INGEST_KEY], ['x-api-key', INGEST_KEY]]]) {
    assert.equal(codeOf(await post(JSON.stringify(event('x4', 'alpha', 'x', 'RUNNING', T0)), 401, headers)), 'Unauthorized');
  }
});

test('POST /v1/events: bodies over 1 MiB, and framing refused before the body', async () => {
  // Refused from Content-Length, before a body byte is sent.
  let answer = await call(main, 'POST', '/v1/events', { status: 413,
    raw: Buffer.from(`POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${INGEST_KEY}\r\nContent-Length: ${(1 << 20) + 1}\r\n\r\n`) });
  assert.equal(codeOf(answer), 'PayloadTooLarge');
  // Refused while reading a chunked body.
  const chunk = Buffer.alloc(64 * 1024, 'a');
  answer = await call(main, 'POST', '/v1/events', { status: 413,
    raw: Buffer.from(`POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: ${INGEST_KEY}\r\nTransfer-Encoding: chunked\r\n\r\n`),
    after: (socket) => {
      for (let i = 0; i < 17 && !socket.destroyed; ++i) socket.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
    } });
  assert.equal(codeOf(answer), 'PayloadTooLarge');
  answer = await call(main, 'POST', '/v1/events', { status: 400,
    raw: Buffer.from(`POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n`) });
  assert.equal(codeOf(answer), 'BadRequest');
  answer = await call(main, 'POST', '/v1/events', { status: 501,
    raw: Buffer.from(`POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n`) });
  assert.equal(codeOf(answer), 'NotImplemented');
  answer = await call(main, 'GET', '/healthz', { status: 400, raw: Buffer.from('GET /healthz HTTP/1.1\r\n\r\n') });
  assert.match(json(answer).error.message, /Host/);
  answer = await call(main, 'GET', '/v1/executions', { status: 431, headers: [...READ, ['x-padding', 'p'.repeat(17 * 1024)]] });
  assert.equal(codeOf(answer), 'RequestHeaderFieldsTooLarge');
});

// Answered before any route, whatever the path: each operation gets each.
test('every operation: oversized bodies and headers, bad framing, unknown transfer codings', async () => {
  for (const { method, path } of operationsOf(spec)) {
    const start = `${method} ${path} HTTP/1.1\r\n`;
    let answer = await call(main, method, path, { status: 413,
      raw: Buffer.from(`${start}Host: 127.0.0.1\r\nContent-Length: ${(1 << 20) + 1}\r\n\r\n`) });
    assert.equal(codeOf(answer), 'PayloadTooLarge');
    answer = await call(main, method, path, { status: 431,
      raw: Buffer.from(`${start}Host: 127.0.0.1\r\nx-padding: ${'p'.repeat(17 * 1024)}\r\n\r\n`) });
    assert.equal(codeOf(answer), 'RequestHeaderFieldsTooLarge');
    answer = await call(main, method, path, { status: 400, raw: Buffer.from(`${start}Host: a\r\nHost: b\r\n\r\n`) });
    assert.equal(codeOf(answer), 'BadRequest');
    answer = await call(main, method, path, { status: 501,
      raw: Buffer.from(`${start}Host: 127.0.0.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n`) });
    assert.equal(codeOf(answer), 'NotImplemented');
  }
});

test('503 with Retry-After: POST /v1/events when tags cannot be read; every operation beyond the connection cap', async () => {
  let answer = await call(tagless, 'POST', '/v1/events', { status: 503, headers: INGEST,
    body: JSON.stringify(event('u1', 'alpha', 'u1', 'RUNNING', T0)) });
  assert.equal(codeOf(answer), 'Unavailable');
  assert.ok(answer.headers['x-request-id']);
  // Two idle connections fill the cap; the third is refused at once.
  const held = await Promise.all([0, 1].map(() => new Promise((r) => { const s = connect(tagless.port, '127.0.0.1', () => r(s)); })));
  try {
    await new Promise((r) => setTimeout(r, 200));
    for (const { method, path } of operationsOf(spec)) {
      answer = await call(tagless, method, path, { status: 503 });
      assert.equal(codeOf(answer), 'Unavailable');
      assert.equal(answer.headers['retry-after'], '1');
    }
  } finally {
    for (const s of held) s.destroy();
  }
});

test('GET /v1/executions: pages, filters, orders and every refused argument', async () => {
  let answer = await call(main, 'GET', '/v1/executions', { status: 200, headers: READ });
  let page = json(answer);
  assert.equal(page.executions.length, 7);
  assert.equal(page.nextToken, null);
  assert.ok(page.executions.some((e) => e.error && e.cause && e.durationSeconds !== undefined));
  assert.ok(page.executions.some((e) => e.redriveCount === 1));
  captured.list = answer;

  answer = await call(main, 'GET', '/v1/executions?maxResults=2&order=asc&agentName=alpha', { status: 200, headers: READ });
  page = json(answer);
  assert.equal(page.executions.length, 2);
  assert.equal(page.hasMore, true);
  const next = await call(main, 'GET', `/v1/executions?maxResults=2&order=asc&agentName=alpha&nextToken=${page.nextToken}`,
    { status: 200, headers: READ });
  assert.equal(json(next).executions.length, 1);
  assert.equal(json(next).nextToken, null);
  await call(main, 'GET', '/v1/executions?status=FAILED&startDateFrom=2025-09-29&startDateTo=2025-09-29T23%3A59%3A59Z',
    { status: 200, headers: [['Authorization', `Bearer ${READ_KEY}`]] });
  await call(main, 'GET', '/v1/executions?agentName=&status=', { status: 200, headers: READ });

  const refused = [
    ['maxResults=0', 'InvalidParameter', 'maxResults'], ['maxResults=1001', 'InvalidParameter', 'maxResults'],
    ['maxResults=ten', 'InvalidParameter', 'maxResults'], ['status=DONE', 'InvalidParameter', 'status'],
    ['startDateFrom=yesterday', 'InvalidParameter', 'startDateFrom'], ['startDateTo=2025-13-01', 'InvalidParameter', 'startDateTo'],
    ['startDateFrom=2025-10-02&startDateTo=2025-10-01', 'InvalidParameter', 'startDateFrom'],
    ['order=up', 'InvalidParameter', 'order'], ['agent=alpha', 'InvalidParameter', 'agent'],
    ['status=FAILED&status=RUNNING', 'InvalidParameter', 'status'], ['agentName=%zz', 'InvalidParameter', '%'],
    ['nextToken=not-a-token', 'InvalidToken', ''], [`maxResults=2&order=asc&agentName=beta&nextToken=${page.nextToken}`, 'InvalidToken', ''],
    [`apiKey=${READ_KEY}`, 'InvalidParameter', 'apiKey'],
  ];
  for (const [query, code, named] of refused) {
    answer = await call(main, 'GET', `/v1/executions?${query}`, { status: 400, headers: READ });
    assert.equal(codeOf(answer), code, query);
    assert.ok(json(answer).error.message.includes(named), `${query}: ${json(answer).error.message}`);
  }
  for (const headers of [[], INGEST, [['x-api-key', 'wrong']], [['x-api-key', READ_KEY], ['x-api-key', READ_KEY]],
    [['Authorization', `Bearer ${READ_KEY}`], ['Authorization', `Bearer ${READ_KEY}`]]]) {
    answer = await call(main, 'GET', '/v1/executions', { status: 401, headers });
    captured.unauthorized = answer;
  }
  // ?apiKey= is the stream's alone.
  await call(main, 'GET', `/v1/executions?apiKey=${READ_KEY}`, { status: 401 });
});

test('GET /v1/executions/stream: live changes, resumption, reset, keys and refused arguments', async () => {
  const sawExecution = (name) => (body) => body.includes(`"name":"${name}"`);
  // A new client starts at the newest change: post once it is connected.
  let answer = await call(main, 'GET', '/v1/executions/stream?agentName=beta', { status: 200, headers: READ,
    until: sawExecution('b9'),
    after: () => setTimeout(() => exchange(main.port, request('POST', '/v1/events', { headers: INGEST,
      body: [event('s1', 'alpha', 'a9', 'RUNNING', T0 + 9000), event('s2', 'beta', 'b9', 'RUNNING', T0 + 9000)].map((e) => JSON.stringify(e)).join('\n') })), 500) });
  assert.equal(answer.headers['content-type'], 'text/event-stream');
  assert.doesNotMatch(answer.body, /"name":"a9"/);
  captured.stream = answer;
  // From the first change: every change of the feed that matches.
  answer = await call(main, 'GET', `/v1/executions/stream?apiKey=${READ_KEY}&status=SUCCEEDED`, { status: 200,
    headers: [['Last-Event-ID', '0']], until: sawExecution('a3') });
  assert.match(answer.body, /event: execution/);
  answer = await call(main, 'GET', '/v1/executions/stream?lastEventId=0&startDateFrom=2025-09-29&startDateTo=2025-09-29',
    { status: 200, headers: [['Authorization', `Bearer ${READ_KEY}`]], until: sawExecution('a1') });
  // An id beyond the feed's newest: reset.
  answer = await call(main, 'GET', '/v1/executions/stream', { status: 200, headers: [...READ, ['Last-Event-ID', '99999999']],
    until: (body) => body.includes('event: reset') });
  assert.match(answer.body, /event: reset/);
  // Heartbeats are comments.
  answer = await call(main, 'GET', '/v1/executions/stream', { status: 200, headers: READ, until: (body) => body.includes(': keep-alive') });

  for (const [query, headers, named] of [['maxResults=5', READ, 'maxResults'], ['nextToken=x', READ, 'nextToken'],
    ['order=asc', READ, 'order'], ['status=DONE', READ, 'status'], ['x=1', READ, 'x'], ['', [...READ, ['Last-Event-ID', 'abc']], 'Last-Event-ID'],
    ['lastEventId=-1', READ, 'Last-Event-ID'], ['startDateFrom=soon', READ, 'startDateFrom']]) {
    answer = await call(main, 'GET', `/v1/executions/stream?${query}`, { status: 400, headers });
    assert.equal(codeOf(answer), 'InvalidParameter');
    assert.ok(json(answer).error.message.includes(named), `${query}: ${json(answer).error.message}`);
  }
  for (const [query, headers] of [['', []], ['apiKey=wrong', []], [`apiKey=${INGEST_KEY}`, []], ['', INGEST]]) {
    assert.equal(codeOf(await call(main, 'GET', `/v1/executions/stream?${query}`, { status: 401, headers })), 'Unauthorized');
  }
});

test('GET /v1/executions/stats: buckets by hour and day, and refused arguments', async () => {
  let answer = await call(main, 'GET', '/v1/executions/stats', { status: 200, headers: READ });
  assert.equal(json(answer).bucket, 'day');
  assert.equal(json(answer).totals.executions, 2);  // The last 30 days: b2 and g1.
  answer = await call(main, 'GET', '/v1/executions/stats?startDateFrom=2025-09-29&startDateTo=2025-09-29&bucket=hour',
    { status: 200, headers: READ });
  const stats = json(answer);
  assert.equal(stats.buckets.length, 24);
  assert.ok(stats.totals.durationP50 > 0);
  await call(main, 'GET', '/v1/executions/stats?agentName=alpha&status=FAILED&startDateFrom=2025-09-01&bucket=day',
    { status: 200, headers: READ });
  for (const [query, named] of [['bucket=week', 'bucket'], ['startDateFrom=2020-01-01&bucket=hour', 'bucket'],
    ['maxResults=5', 'maxResults'], ['status=DONE', 'status'], ['startDateTo=never', 'startDateTo'],
    ['startDateFrom=2025-10-02&startDateTo=2025-10-01', 'startDateFrom'], ['lastEventId=1', 'lastEventId']]) {
    answer = await call(main, 'GET', `/v1/executions/stats?${query}`, { status: 400, headers: READ });
    assert.equal(codeOf(answer), 'InvalidParameter');
    assert.ok(json(answer).error.message.includes(named), `${query}: ${json(answer).error.message}`);
  }
  await call(main, 'GET', '/v1/executions/stats', { status: 401, headers: INGEST });
});

test('GET /v1/agents, /healthz, /readyz, /metrics and the History page', async () => {
  let answer = await call(main, 'GET', '/v1/agents', { status: 200, headers: READ });
  assert.deepEqual(json(answer).agents.map((a) => a.agentName), ['alpha', 'beta', 'gamma']);
  assert.equal(codeOf(await call(main, 'GET', '/v1/agents?agentName=alpha', { status: 400, headers: READ })), 'InvalidParameter');
  await call(main, 'GET', '/v1/agents', { status: 401 });

  await call(main, 'GET', '/healthz', { status: 200 });
  await call(main, 'GET', '/healthz?anything=1', { status: 200 });
  await call(main, 'GET', '/readyz', { status: 200 });
  answer = await call(main, 'GET', '/metrics', { status: 200, headers: READ });
  assert.match(answer.body, /exidx_http_requests_total\{route="healthz",code="200"\} [1-9]/);
  captured.metrics = answer;
  await call(main, 'GET', '/metrics', { status: 401, headers: INGEST });

  for (const { method, path } of operationsOf(spec).filter((o) => o.path === '/' || o.path.startsWith('/assets/'))) {
    answer = await call(main, method, path, { status: 200 });
    assert.ok(answer.body.length > 100, path);
  }
});

test('unknown paths get 404 and other methods 405, with Allow', async () => {
  for (const target of ['/nope', '/v1/executions/', '/v1', '/assets/missing.js', '/V1/EXECUTIONS']) {
    assert.equal(codeOf(await call(main, 'GET', target, { status: 404, headers: READ })), 'NotFound');
  }
  await call(main, 'POST', '/nope', { status: 404, body: '{}' });
  for (const [method, target] of [['DELETE', '/v1/executions'], ['POST', '/v1/executions'], ['GET', '/v1/events'],
    ['PUT', '/v1/events'], ['POST', '/healthz'], ['HEAD', '/readyz'], ['POST', '/metrics'], ['DELETE', '/'],
    ['PATCH', '/v1/executions/stream'], ['OPTIONS', '/v1/agents'], ['PUT', '/assets/app.js'], ['POST', '/v1/executions/stats']]) {
    const answer = await exchange(main.port, request(method, target, { headers: READ, body: method === 'HEAD' ? undefined : '' }),
      { timeoutMs: 5000 }).catch((e) => e);
    if (method === 'HEAD') {
      // A HEAD answer carries no body: check the status and headers only.
      assert.equal(answer.status, 405);
      assert.equal(answer.headers.allow, 'GET');
      exercised.add(`HEAD ${target} 405`);
      continue;
    }
    assert.equal(answer.status, 405, `${method} ${target}`);
    assert.deepEqual(checker.check(method, target, answer), [], `${method} ${target}`);
    assert.equal(codeOf(answer), 'MethodNotAllowed');
    exercised.add(`${method} ${target} 405`);
  }
});

test('the check fails on what the spec does not describe', () => {
  assert.ok(captured.list && captured.unauthorized && captured.metrics && captured.stream, 'the earlier tests ran');
  const failsWith = (edit, method, path, answer, expected) => {
    const copy = structuredClone(spec);
    edit(copy);
    const errors = new SpecChecker(copy).check(method, path, answer);
    assert.ok(errors.some((e) => e.includes(expected)), `expected an error naming '${expected}', got ${JSON.stringify(errors)}`);
  };
  // A field the server answers that the spec does not describe.
  failsWith((s) => { delete s.components.schemas.Execution.properties.durationSeconds; delete s.components.schemas.Execution.dependentRequired; },
    'GET', '/v1/executions', captured.list, 'durationSeconds');
  failsWith((s) => {
    const metadata = s.components.schemas.ExecutionPage.properties.metadata;
    delete metadata.properties.fetchTime;
    metadata.required = ['fromIndex'];
  },
    'GET', '/v1/executions', captured.list, 'fetchTime');
  failsWith((s) => { delete s.components.schemas.ErrorBody.properties.error.properties.message; s.components.schemas.ErrorBody.properties.error.required = ['code']; },
    'GET', '/v1/executions', captured.unauthorized, 'must NOT have additional properties');
  // A status it does not describe.
  failsWith((s) => { delete s.paths['/v1/executions'].get.responses['401']; }, 'GET', '/v1/executions', captured.unauthorized, 'status 401');
  // A value, content type, header or SSE event it does not describe.
  failsWith((s) => { s.components.schemas.ExecutionStatus.enum = ['RUNNING']; }, 'GET', '/v1/executions', captured.list, 'status: must be equal to one of the allowed values');
  failsWith((s) => { s.paths['/metrics'].get.responses['200'].content = { 'text/plain; version=0.0.5': {} }; },
    'GET', '/metrics', captured.metrics, 'Content-Type');
  failsWith((s) => { s.components.responses.Unauthorized.headers['WWW-Authenticate'].schema = { const: 'Basic' }; },
    'GET', '/v1/executions', captured.unauthorized, 'WWW-Authenticate');
  failsWith((s) => { delete s.paths['/v1/executions/stream'].get.responses['200'].content['text/event-stream']['x-sse-events'].execution; },
    'GET', '/v1/executions/stream', captured.stream, "event 'execution'");
  failsWith((s) => { s.components.schemas.Execution.properties.name.maxLength = 1; }, 'GET', '/v1/executions/stream', captured.stream, 'name');
});

test('every operation of the spec was exercised, with its 200 and, where it needs a key, its 401', () => {
  const missing = [];
  for (const { method, path, operation } of operationsOf(spec)) {
    if (!exercised.has(`${method} ${path} 200`)) missing.push(`${method} ${path} 200`);
    if ((operation.security ?? spec.security ?? []).length > 0 && !exercised.has(`${method} ${path} 401`)) missing.push(`${method} ${path} 401`);
  }
  assert.deepEqual(missing, []);
  // What was described but not provoked here (500: what should never happen; some 503s; framing on other routes).
  const notExercised = [];
  for (const { method, path, operation } of operationsOf(spec)) {
    for (const status of Object.keys(operation.responses)) {
      if (!exercised.has(`${method} ${path} ${status}`)) notExercised.push(`${method} ${path} ${status}`);
    }
  }
  console.log(`answers checked: ${exercised.size} kinds (method, path, status); described, not provoked here: ${notExercised.join('; ')}`);
});
