// amplify/data/resource.ts: the Execution Index operations (add them to the
// app's existing schema). An app of the first design already has the query
// listExecutionsFromIndex with these arguments: keep it, and change only its
// handler (docs/migrating-from-the-first-design.md, step 6); two fields of
// one name do not build.
// - listExecutionsFromIndex, the query, answered by deploy/template.yaml's
//   list function (listExecutionsFromIndex.js). Arguments as CONTRACT.md
//   section 5 names them; the answer is the section 5 response object as
//   JSON. Invalid arguments come back as a GraphQL error whose errorType is
//   InvalidParameter or InvalidToken; an outage as Unavailable.
// - publishExecutionChange, the mutation the stream function (exidx lambda,
//   handler stream) calls, signed with its role, for every changed record of
//   the index table; IAM only, and refused to Cognito identities (see
//   publishExecutionChange.js), so only that role publishes.
// - onExecutionChange, the subscription the History page listens to, filtered
//   on the server by agentName and status when given.
import { type ClientSchema, a, defineData } from '@aws-amplify/backend';

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
    // deploy/template.yaml's list function, through the data source backend.ts adds.
    .handler(a.handler.custom({ dataSource: 'ExecutionIndexList', entry: './listExecutionsFromIndex.js' })),

  // One execution record as it now is (CONTRACT.md section 4; timestamps as
  // YYYY-MM-DDTHH:MM:SS.sssZ text, absent optional fields null). As an
  // argument it is the input type ExecutionChangeInput.
  ExecutionChange: a.customType({
    executionArn: a.string().required(),
    agentName: a.string().required(),
    stateMachineArn: a.string().required(),
    executionName: a.string().required(),
    status: a.string().required(),
    startDate: a.string().required(),
    stopDate: a.string(),
    durationSeconds: a.float(),
    indexedAt: a.string().required(),
    error: a.string(),
    cause: a.string(),
    redriveCount: a.integer(),
  }),

  publishExecutionChange: a
    .mutation()
    .arguments({ input: a.ref('ExecutionChange').required() })
    .returns(a.ref('ExecutionChange'))
    .authorization((allow) => [allow.authenticated('identityPool')])
    .handler(a.handler.custom({ entry: './publishExecutionChange.js' })),

  onExecutionChange: a
    .subscription()
    .for(a.ref('publishExecutionChange'))
    .arguments({ agentName: a.string(), status: a.string() })
    .authorization((allow) => [allow.authenticated(), allow.publicApiKey()])
    .handler(a.handler.custom({ entry: './onExecutionChange.js' })),
});

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
  },
});
