// deploy/amplify/fetchExecutions.js (the History page's list logic) against the
// real list handler. history_fetch_test.cc starts it twice: EXIDX_HISTORY_PHASE
// `up` (the table answers) and `outage` (its moto_server was stopped). Each
// query goes to EXIDX_GRAPHQL_URL, an AppSync-like endpoint in front of
// `exidx lambda --handler list`; what the list should hold comes from
// `exidx query` (EXIDX_BINARY) over the same table (EXIDX_HISTORY_TABLE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  LIST_EXECUTIONS_FROM_INDEX,
  createExecutionsList,
  fetchExecutionsPage,
} from '../../deploy/amplify/fetchExecutions.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PHASE = process.env.EXIDX_HISTORY_PHASE ?? 'up';
const URL_ = process.env.EXIDX_GRAPHQL_URL;
const BINARY = process.env.EXIDX_BINARY;
const TABLE = process.env.EXIDX_HISTORY_TABLE;

// Amplify's client.graphql as the page meets it: resolves { data, errors }
// when there are no errors, rejects with that result when there are, and
// rejects with the fetch error when the network fails.
function graphqlClient(url) {
  const client = {
    url,
    calls: 0,
    async graphql({ query, variables }) {
      client.calls += 1;
      const response = await fetch(client.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const result = await response.json();
      if (result.errors?.length) throw result;
      return result;
    },
  };
  return client;
}

// What `exidx query` lists for the filters, every page: the ARNs in order.
function expectedArns(filters) {
  const args = ['query', '--store', `dynamodb://${TABLE}`, '--format', 'json', '--limit', '1000'];
  if (filters.agentName) args.push('--agent', filters.agentName);
  if (filters.status) args.push('--status', filters.status);
  if (filters.startDateFrom) args.push('--from', filters.startDateFrom);
  if (filters.startDateTo) args.push('--to', filters.startDateTo);
  const page = JSON.parse(execFileSync(BINARY, args, { encoding: 'utf8' }));
  assert.equal(page.hasMore, false, 'the expectation fits one page');
  return page.executions.map((e) => e.executionArn);
}

// Loads every page through the module, as "Load More" would; the states seen.
async function loadAll(list, filters) {
  await list.reset(filters);
  let pages = 1;
  while (list.state.hasMore) {
    assert.equal(list.state.error, null);
    await list.loadMore();
    pages += 1;
  }
  return pages;
}

function newList(client, pageSize) {
  const states = [];
  const list = createExecutionsList(client, (s) => states.push(s), pageSize);
  return { list, states };
}

if (PHASE === 'up') {
  const all = expectedArns({});
  const first = JSON.parse(execFileSync(BINARY, ['query', '--store', `dynamodb://${TABLE}`, '--format', 'json',
    '--limit', '1000'], { encoding: 'utf8' })).executions;
  const agent = first[0].agentName;
  const days = first.map((e) => e.startDate.slice(0, 10)).sort();
  const midDay = days[Math.floor(days.length / 2)];

  test('the module in the .md is the module', () => {
    const md = readFileSync(join(REPO, 'deploy/amplify/History.fetchExecutions.md'), 'utf8');
    const js = readFileSync(join(REPO, 'deploy/amplify/fetchExecutions.js'), 'utf8');
    const marker = md.indexOf('<!-- deploy/amplify/fetchExecutions.js, verbatim');
    assert.ok(marker >= 0, 'the .md marks the included module');
    const open = md.indexOf('```js\n', marker) + '```js\n'.length;
    const close = md.indexOf('\n```\n', open) + 1;
    assert.equal(md.slice(open, close), js);
  });

  for (const [name, filters] of [
    ['no filter', {}],
    ['an agent', { agentName: agent }],
    ['a status', { status: 'SUCCEEDED' }],
    ['an agent and a status', { agentName: agent, status: 'SUCCEEDED' }],
    ['a date range', { startDateFrom: days[0], startDateTo: midDay }],
  ]) {
    test(`pages of ${name} are what exidx query lists, in order, none twice`, async () => {
      const expected = name === 'no filter' ? all : expectedArns(filters);
      assert.ok(expected.length > 0, `${name}: some executions match`);
      const client = graphqlClient(URL_);
      const { list } = newList(client, 7);
      const pages = await loadAll(list, filters);
      assert.deepEqual(list.state.executions.map((e) => e.executionArn), expected);
      assert.equal(pages, Math.max(1, Math.ceil(expected.length / 7)));
      assert.equal(client.calls, pages);
      assert.equal(list.state.nextToken, null);
      assert.equal(list.state.error, null);
    });
  }

  test('the paging really pages (more than one page of everything)', () => {
    assert.ok(all.length > 14, `${all.length} executions`);
  });

  test('an invalid date is an error state, not an empty list', async () => {
    const { list, states } = newList(graphqlClient(URL_), 10);
    await list.reset({ startDateFrom: 'yesterday' });
    const { error } = list.state;
    assert.ok(error, 'an error is shown');
    assert.equal(error.kind, 'graphql');
    assert.equal(error.errorType, 'InvalidParameter');
    assert.match(error.message, /startDateFrom/);
    assert.equal(error.retryable, false);
    assert.equal(list.state.loading, false);
    assert.ok(states.some((s) => s.loading), 'it said it was loading');
    // The page renders "No executions found" only for !loading && !error && empty.
    assert.ok(!(list.state.executions.length === 0 && list.state.error === null));
  });

  test('a tampered token is InvalidToken, and a resolved result with errors is read too', async () => {
    const client = graphqlClient(URL_);
    const first = await fetchExecutionsPage(client, { maxResults: 5 });
    assert.ok(first.page && first.page.nextToken);
    const tampered = `${first.page.nextToken.slice(0, -3)}AAA`;
    const bad = await fetchExecutionsPage(client, { maxResults: 5 }, tampered);
    assert.equal(bad.error?.errorType, 'InvalidToken');
    // A client that resolves { data, errors } (client.queries.* do) instead of rejecting.
    const resolving = { graphql: (req) => client.graphql(req).catch((result) => result) };
    const again = await fetchExecutionsPage(resolving, { maxResults: 5 }, tampered);
    assert.equal(again.error?.errorType, 'InvalidToken');
    assert.equal(again.page, undefined);
  });

  test('the token of other filters is never sent: a reset drops the old answer', async () => {
    const client = graphqlClient(URL_);
    const { list } = newList(client, 4);
    await list.reset({});
    assert.ok(list.state.hasMore);
    const stale = list.loadMore();                 // In flight with the first filters' token...
    const fresh = list.reset({ status: 'SUCCEEDED' });  // ...when the filters change.
    await Promise.all([stale, fresh]);
    assert.equal(list.state.error, null);
    assert.deepEqual(list.state.executions.map((e) => e.executionArn), expectedArns({ status: 'SUCCEEDED' }).slice(0, 4));
  });

  test('a network failure on "Load More" keeps the rows; retry loads that page once', async () => {
    const client = graphqlClient(URL_);
    const { list } = newList(client, 6);
    await list.reset({});
    const firstPage = list.state.executions.map((e) => e.executionArn);
    client.url = 'http://127.0.0.1:9/graphql';  // Nothing listens there.
    await list.loadMore();
    assert.equal(list.state.error?.kind, 'network');
    assert.equal(list.state.error.retryable, true);
    assert.deepEqual(list.state.executions.map((e) => e.executionArn), firstPage);
    await list.loadMore();  // Nothing while the error is shown: only retry.
    assert.equal(list.state.executions.length, firstPage.length);
    client.url = URL_;
    await list.retry();
    assert.equal(list.state.error, null);
    assert.deepEqual(list.state.executions.map((e) => e.executionArn), all.slice(0, 12));
    assert.equal(LIST_EXECUTIONS_FROM_INDEX.includes('listExecutionsFromIndex('), true);
  });
} else if (PHASE === 'outage') {
  test('a table that went away is an error state with a retry, not an empty list', async () => {
    const client = graphqlClient(URL_);
    const { list } = newList(client, 10);
    await list.reset({});
    const { error } = list.state;
    assert.ok(error, 'an error is shown');
    assert.equal(error.kind, 'graphql');
    assert.equal(error.errorType, 'Unavailable');
    assert.equal(error.retryable, true);
    assert.deepEqual(list.state.executions, []);
    await list.retry();  // Still down: still the error, still no empty list.
    assert.equal(list.state.error?.errorType, 'Unavailable');
    assert.equal(client.calls, 2);
  });
} else {
  throw new Error(`EXIDX_HISTORY_PHASE=${PHASE}: up or outage`);
}
