// amplify/data/publishExecutionChange.js: the publishExecutionChange resolver
// (no data source): it stores nothing and hands the record to the
// subscribers of onExecutionChange. The field is IAM-authorised; Cognito
// identities (the identity pool's signed-in and guest roles, which Amplify
// grants every identityPool field) are refused, so the one caller is the
// stream function, whose role may call this field and nothing else.
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  if (ctx.identity?.cognitoIdentityPoolId) {
    util.unauthorized();
  }
  return { payload: ctx.args.input };
}

export function response(ctx) {
  return ctx.result;
}
