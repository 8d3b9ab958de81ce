// amplify/data/resource.ts: the listExecutionsFromIndex query (add it to the
// app's existing schema). Arguments as CONTRACT.md section 5 names them; the
// answer is the section 5 response object as JSON. Invalid arguments come
// back as a GraphQL error whose errorType is InvalidParameter or InvalidToken.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';
import { listExecutionsFromIndex } from '../functions/list-executions-from-index/resource';

const schema = a.schema({
  // ...the app's existing models and queries...

  listExecutionsFromIndex: a
    .query()
    .arguments({
      agentName: a.string(),
      status: a.string(),
      maxResults: a.integer(),
      nextToken: a.string(),
      startDateFrom: a.string(),
      startDateTo: a.string(),
    })
    .returns(a.json())
    .authorization((allow) => [allow.authenticated(), allow.publicApiKey()])
    .handler(a.handler.function(listExecutionsFromIndex)),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
