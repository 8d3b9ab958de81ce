// amplify/functions/publish-execution-changes/resource.ts
// The exidx stream handler as an Amplify Gen2 custom function: the same
// binary and package as the list function (copy build/exidx-lambda.zip next
// to this file, or point EXIDX_LAMBDA_ZIP at it), started with handler
// `stream`. It reads the index table's DynamoDB stream and publishes each
// changed execution record with publishExecutionChange; backend.ts sets
// EXIDX_APPSYNC_URL, its permissions and the event source mapping.
import { defineFunction } from '@aws-amplify/backend';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// The table's stream (deploy/template.yaml's TableStreamArn output).
export const executionIndexTableStreamArn = process.env.EXECUTION_INDEX_TABLE_STREAM_ARN ?? '';

export const publishExecutionChanges = defineFunction(
  (scope) =>
    new lambda.Function(scope, 'publishExecutionChanges', {
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.X86_64,
      handler: 'stream',
      code: lambda.Code.fromAsset(
        process.env.EXIDX_LAMBDA_ZIP ?? path.join(here, '..', 'list-executions-from-index', 'exidx-lambda.zip'),
      ),
      memorySize: 512,
      // Each publish, retries included, takes 20 s at most; publishing stops
      // before the deadline and the answer names the first unpublished record.
      timeout: Duration.seconds(60),
    }),
  { resourceGroupName: 'data' },
);
