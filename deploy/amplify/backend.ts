// amplify/backend.ts: the additions for listExecutionsFromIndex and the live
// updates (marked "exidx"); keep the app's existing resources as they are.
import { defineBackend } from '@aws-amplify/backend';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { auth } from './auth/resource';
import { data } from './data/resource';
// exidx
import { environmentName, executionIndexTableName, listFunctionName } from './exidx-environment';
import { publishExecutionChanges } from './functions/publish-execution-changes/resource';

const backend = defineBackend({
  auth,
  data,
  publishExecutionChanges, // exidx
});

// exidx: listExecutionsFromIndex is answered by deploy/template.yaml's list
// function (exidx-list-<env>), not by a function of this app: it ships in
// the same package and the same deploy as the index function that writes
// the table, so the reader of the items is never older or newer than their
// writer; its role, logs, alarms and reserved concurrency are the
// template's; and this app's builds need no C++ package. AppSync's data
// source role may invoke that function and nothing else.
const dataStack = Stack.of(backend.data.resources.graphqlApi);
backend.data.addLambdaDataSource(
  'ExecutionIndexList',
  lambda.Function.fromFunctionName(dataStack, 'ExecutionIndexListFunction', listFunctionName),
);
const tableArn = dataStack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: executionIndexTableName });

// exidx: live updates. The stream function reads the table's stream and
// calls publishExecutionChange, and may do nothing else. A failed publish
// answers ReportBatchItemFailures: Lambda retries from that record, in order,
// bisecting the batch on errors; a batch still failing after 10 retries or an
// hour is described (shard and sequence numbers) in the failure queue. The
// table's stream ARN is the one the environment's stack keeps in SSM
// (deploy/template.yaml, TableStreamArnParameter), read at deploy time.
const streamFunction = backend.publishExecutionChanges.resources.lambda as lambda.Function;
const streamStack = Stack.of(streamFunction);
const executionIndexTableStreamArn = ssm.StringParameter.valueForStringParameter(
  streamStack,
  `/exidx/${environmentName}/table-stream-arn`,
);
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
