// amplify/functions/list-executions-from-index/resource.ts
// The exidx list handler as an Amplify Gen2 custom function: the C++ binary
// on the provided.al2023 runtime, from the package scripts/package-lambda.sh
// builds. Amplify's CI cannot build C++: copy build/exidx-lambda.zip next to
// this file (or point EXIDX_LAMBDA_ZIP at it) before `npx ampx sandbox` or a
// push. Environment and options live in the CDK definition: defineFunction's
// own options do not apply to custom functions.
import { defineFunction } from '@aws-amplify/backend';
import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// The table deploy/template.yaml created (ExecutionIndex-<env>).
export const executionIndexTableName = process.env.EXECUTION_INDEX_TABLE_NAME ?? 'ExecutionIndex-dev';

export const listExecutionsFromIndex = defineFunction(
  (scope) =>
    new lambda.Function(scope, 'listExecutionsFromIndex', {
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.X86_64,
      handler: 'list',
      code: lambda.Code.fromAsset(process.env.EXIDX_LAMBDA_ZIP ?? path.join(here, 'exidx-lambda.zip')),
      memorySize: 512,
      timeout: Duration.seconds(10),
      environment: { EXECUTION_INDEX_TABLE_NAME: executionIndexTableName },
    }),
  { resourceGroupName: 'data' },
);
