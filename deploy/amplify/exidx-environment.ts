// amplify/exidx-environment.ts: which Execution Index deployment this Amplify
// environment uses: the EnvironmentName of its deploy/template.yaml stack,
// whose table is ExecutionIndex-<name> and list function exidx-list-<name>.
// EXIDX_ENVIRONMENT when set; else, in an Amplify Hosting build, the branch
// (AWS_BRANCH; characters other than letters, digits and '-' become '-'), so
// each branch reads its own stack. A sandbox (`npx ampx sandbox`) sets
// EXIDX_ENVIRONMENT. Nothing defaults: a branch that silently read another
// branch's table would show the wrong history.
const given = process.env.EXIDX_ENVIRONMENT ?? process.env.AWS_BRANCH;
if (!given) {
  throw new Error(
    'exidx: set EXIDX_ENVIRONMENT to the EnvironmentName of the deploy/template.yaml stack this app reads ' +
      '(Amplify Hosting builds default to the branch name, AWS_BRANCH)',
  );
}

export const environmentName = given.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 32);
export const executionIndexTableName = `ExecutionIndex-${environmentName}`;
export const listFunctionName = `exidx-list-${environmentName}`;
