// amplify/data/onExecutionChange.js: the onExecutionChange resolver. A
// subscriber gives agentName and/or status (neither: every change); AppSync
// then delivers only the publishExecutionChange results that match, on the
// server, so a page that watches one agent receives nothing of the others.
import { util, extensions } from '@aws-appsync/utils';

export function request() {
  return { payload: null };
}

export function response(ctx) {
  const filter = {};
  if (ctx.args.agentName) filter.agentName = { eq: ctx.args.agentName };
  if (ctx.args.status) filter.status = { eq: ctx.args.status };
  if (Object.keys(filter).length > 0) {
    extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter(filter));
  }
  return null;
}
