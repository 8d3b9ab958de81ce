// amplify/backend.ts: the additions for listExecutionsFromIndex and the live
// updates (marked "exidx"); keep the app's existing resources as they are.
import { defineBackend } from '@aws-amplify/backend';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { auth } from './auth/resource';
import { data } from './data/resource';
// exidx
import {
  executionIndexTableName,
  listExecutionsFromIndex,
} from './functions/list-executions-from-index/resource';
import {
  executionIndexTableStreamArn,
  publishExecutionChanges,
} from './functions/publish-execution-changes/resource';

const backend = defineBackend({
  auth,
  data,
  listExecutionsFromIndex, // exidx
  publishExecutionChanges, // exidx
});

// exidx: the list function reads the index table and its indexes, nothing
// else. Its one write creates the page-token secret item on first use.
const listFunction = backend.listExecutionsFromIndex.resources.lambda;
const stack = Stack.of(listFunction);
const tableArn = stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: executionIndexTableName });
listFunction.addToRolePolicy(
  new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:DescribeTable'], resources: [tableArn] }),
);
listFunction.addToRolePolicy(
  new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${tableArn}/index/*`] }),
);
listFunction.addToRolePolicy(
  new iam.PolicyStatement({
    actions: ['dynamodb:PutItem'],
    resources: [tableArn],
    conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['#exidx#page-token-secret'] } },
  }),
);

// exidx: live updates. The stream function reads the table's stream and
// calls publishExecutionChange, and may do nothing else. A failed publish
// answers ReportBatchItemFailures: Lambda retries from that record, in order,
// bisecting the batch on errors; a batch still failing after 10 retries or an
// hour is described (shard and sequence numbers) in the failure queue.
if (!executionIndexTableStreamArn) {
  throw new Error('exidx: set EXECUTION_INDEX_TABLE_STREAM_ARN to the TableStreamArn output of deploy/template.yaml');
}
const streamFunction = backend.publishExecutionChanges.resources.lambda as lambda.Function;
const streamStack = Stack.of(streamFunction);
const graphqlApi = backend.data.resources.graphqlApi;
streamFunction.addEnvironment('EXIDX_APPSYNC_URL', backend.data.resources.cfnResources.cfnGraphqlApi.attrGraphQlUrl);
streamFunction.addToRolePolicy(
  new iam.PolicyStatement({
    actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
    resources: [executionIndexTableStreamArn],
  }),
);
streamFunction.addToRolePolicy(
  new iam.PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: [`${tableArn}/stream/*`] }),
);
streamFunction.addToRolePolicy(
  new iam.PolicyStatement({
    actions: ['appsync:GraphQL'],
    resources: [`${graphqlApi.arn}/types/Mutation/fields/publishExecutionChange`],
  }),
);
const streamFailures = new sqs.Queue(streamStack, 'ExecutionIndexStreamFailures', {
  retentionPeriod: Duration.days(14),
  encryption: sqs.QueueEncryption.SQS_MANAGED,
});
// Grants the function's role sqs:SendMessage on the queue, and no more.
new lambda.EventSourceMapping(streamStack, 'ExecutionIndexStreamMapping', {
  target: streamFunction,
  eventSourceArn: executionIndexTableStreamArn,
  startingPosition: lambda.StartingPosition.LATEST,
  batchSize: 100,
  retryAttempts: 10,
  bisectBatchOnError: true,
  maxRecordAge: Duration.hours(1),
  reportBatchItemFailures: true,
  onFailure: new SqsDlq(streamFailures),
});
