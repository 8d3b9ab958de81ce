// amplify/functions/publish-execution-changes/resource.ts
// The exidx stream handler as an Amplify Gen2 custom function: the package
// scripts/package-lambda.sh builds (copy build/exidx-lambda.zip next to this
// file, or point EXIDX_LAMBDA_ZIP at it), started with handler
// `stream`. It reads the index table's DynamoDB stream and publishes each
// changed execution record with publishExecutionChange; backend.ts sets
// EXIDX_APPSYNC_URL, its permissions and the event source mapping on the
// stream of the environment's table (exidx-environment.ts).
import { defineFunction } from '@aws-amplify/backend';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const publishExecutionChanges = defineFunction(
  (scope) =>
    new lambda.Function(scope, 'publishExecutionChanges', {
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.X86_64,
      handler: 'stream',
      code: lambda.Code.fromAsset(process.env.EXIDX_LAMBDA_ZIP ?? path.join(here, 'exidx-lambda.zip')),
      memorySize: 512,
      // exidx writes JSON lines; Lambda's own (START, REPORT) are JSON too.
      loggingFormat: lambda.LoggingFormat.JSON,
      // Each publish, retries included, takes 20 s at most; publishing stops
      // before the deadline and the answer names the first unpublished record.
      timeout: Duration.seconds(60),
    }),
  { resourceGroupName: 'data' },
);
