// amplify/backend.ts: the additions for listExecutionsFromIndex (marked
// "exidx"); keep the app's existing resources as they are.
import { defineBackend } from '@aws-amplify/backend';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { auth } from './auth/resource';
import { data } from './data/resource';
// exidx
import {
  executionIndexTableName,
  listExecutionsFromIndex,
} from './functions/list-executions-from-index/resource';

const backend = defineBackend({
  auth,
  data,
  listExecutionsFromIndex, // exidx
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
