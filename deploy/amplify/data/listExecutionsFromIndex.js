// amplify/data/listExecutionsFromIndex.js: the resolver of the
// listExecutionsFromIndex query. It invokes the Execution Index list function
// (deploy/template.yaml's ListFunction, exidx-list-<env>; backend.ts names it
// as the data source ExecutionIndexList) with the event of a direct Lambda
// resolver, and answers the function's response object (AWSJSON).
// The function's errors stay GraphQL errors, with the function's errorType:
// InvalidParameter and InvalidToken (a bad request: the page shows it) or
// Unavailable (an outage: the page offers to retry). Never an empty answer.
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    operation: 'Invoke',
    payload: { typeName: 'Query', fieldName: 'listExecutionsFromIndex', arguments: ctx.arguments },
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.result;
}
