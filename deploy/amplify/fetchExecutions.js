// The History page's list logic over listExecutionsFromIndex, apart from React:
// History.fetchExecutions.md includes this file verbatim (a test checks that the
// two do not drift) and tests/amplify runs it against the real list handler.
//
// It never throws. A GraphQL error (response.errors, or the rejection that
// carries them) and a network failure become an error state with a message and
// a retry, never an empty list: "No executions found" is shown only for a page
// that came back, empty. A page token belongs to the filters it was issued for,
// so changing a filter starts over, and answers to a superseded request are
// dropped.

export const LIST_EXECUTIONS_FROM_INDEX = /* GraphQL */ `
  query ListExecutionsFromIndex(
    $agentName: String
    $status: String
    $maxResults: Int
    $nextToken: String
    $startDateFrom: String
    $startDateTo: String
  ) {
    listExecutionsFromIndex(
      agentName: $agentName
      status: $status
      maxResults: $maxResults
      nextToken: $nextToken
      startDateFrom: $startDateFrom
      startDateTo: $startDateTo
    )
  }
`;

// Errors that the same request will meet again: the filters must change.
const NOT_RETRYABLE = new Set(['InvalidParameter', 'InvalidToken']);

function errorOf(kind, errorType, message) {
  return { kind, errorType, message, retryable: !NOT_RETRYABLE.has(errorType) };
}

// The first GraphQL error of a result (or of a rejection that carries one).
function graphqlError(errors) {
  const first = errors[0] ?? {};
  const errorType = first.errorType ?? 'GraphQLError';
  return errorOf('graphql', errorType, first.message || errorType);
}

// One page: { page } or { error }, never a throw. `client` is Amplify's
// generateClient() (client.graphql resolves { data, errors } or rejects, with
// the result when it holds errors).
export async function fetchExecutionsPage(client, filters, nextToken) {
  const variables = {
    agentName: filters.agentName || undefined,
    status: filters.status || undefined,
    startDateFrom: filters.startDateFrom || undefined,
    startDateTo: filters.startDateTo || undefined,
    maxResults: filters.maxResults,
    nextToken: nextToken || undefined,
  };
  let response;
  try {
    response = await client.graphql({ query: LIST_EXECUTIONS_FROM_INDEX, variables });
  } catch (failure) {
    if (Array.isArray(failure?.errors) && failure.errors.length > 0) return { error: graphqlError(failure.errors) };
    return { error: errorOf('network', 'NetworkError', failure?.message || String(failure)) };
  }
  if (Array.isArray(response?.errors) && response.errors.length > 0) return { error: graphqlError(response.errors) };
  const raw = response?.data?.listExecutionsFromIndex;
  let page;
  try {
    // a.json() travels as AWSJSON: a JSON string.
    page = typeof raw === 'string' ? JSON.parse(raw) : raw;
  } catch (failure) {
    return { error: errorOf('response', 'InvalidResponse', `the answer is not JSON: ${failure.message}`) };
  }
  if (!page || typeof page !== 'object' || !Array.isArray(page.executions)) {
    return { error: errorOf('response', 'InvalidResponse', 'the answer holds no executions list') };
  }
  return { page };
}

// The list as the page shows it. reset(filters) loads the first page of new
// filters; loadMore() the next one (nothing while a load runs or when there is
// no more); retry() repeats the load that failed, with the same token, so no
// row is lost or shown twice. onChange(state) gets every new state:
// { executions, nextToken, hasMore, loading, error }.
export function createExecutionsList(client, onChange, pageSize = 25) {
  let state = { executions: [], nextToken: null, hasMore: false, loading: false, error: null };
  let filters = {};
  let generation = 0;  // Bumped by reset(): answers to older loads are dropped.
  let failed = null;   // The load to repeat on retry(): 'first' or 'more'.

  const set = (changes) => {
    state = { ...state, ...changes };
    onChange(state);
  };

  async function load(which) {
    const mine = generation;
    const token = which === 'more' ? state.nextToken : null;
    set({ loading: true, error: null });
    const { page, error } = await fetchExecutionsPage(client, { ...filters, maxResults: pageSize }, token);
    if (mine !== generation) return;  // The filters changed meanwhile.
    if (error) {
      failed = which;
      // What was loaded stays; the token stays too, for the retry.
      set({ loading: false, error });
      return;
    }
    failed = null;
    const nextToken = page.nextToken ?? null;
    set({
      executions: which === 'more' ? [...state.executions, ...page.executions] : page.executions,
      nextToken,
      hasMore: nextToken !== null,
      loading: false,
      error: null,
    });
  }

  return {
    get state() {
      return state;
    },
    reset(newFilters) {
      filters = { ...newFilters };
      generation += 1;
      failed = null;
      state = { executions: [], nextToken: null, hasMore: false, loading: false, error: null };
      return load('first');
    },
    loadMore() {
      if (state.loading || !state.hasMore || state.error) return Promise.resolve();
      return load('more');
    },
    retry() {
      if (state.loading || failed === null) return Promise.resolve();
      return load(failed);
    },
  };
}
