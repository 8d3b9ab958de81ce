// docs/openapi.yaml is a valid OpenAPI 3.1 description: it matches the
// OpenAPI 3.1 JSON Schema (@seriousme/openapi-schema-validator, which also
// checks that every $ref resolves), and every schema in it compiles under
// Ajv's strict draft 2020-12 (which refuses keywords it does not know, as the
// OpenAPI meta-schema does not). Broken copies of it must be refused, or the
// check could never fail.
//   node --test spec.test.mjs            (CTest: openapi_spec_valid)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { SpecChecker, SPEC_PATH, loadSpec, operationsOf } from './openapi.mjs';

// One validator for every case: it compiles the OpenAPI 3.1 schema once (seconds on a busy machine).
const validator = new Validator();

async function validate(spec) {
  const result = await validator.validate(spec);
  if (result.valid) {
    if (validator.version !== '3.1') return { valid: false, errors: `version ${validator.version}, expected 3.1` };
    validator.resolveRefs();  // Throws on a reference that does not resolve.
  }
  return result;
}

// A copy of the spec changed by `edit`.
function broken(edit) {
  const spec = structuredClone(loadSpec());
  edit(spec);
  return spec;
}

test('docs/openapi.yaml is valid OpenAPI 3.1.0', async () => {
  const result = await validate(SPEC_PATH);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  assert.equal(loadSpec().openapi, '3.1.0');
});

// What the OpenAPI schema leaves unchecked and this project holds to: unique
// operationIds, a 200 and no `default` (which would describe any status, so
// that the HTTP check could not fail), security requirements that name a
// scheme of components/securitySchemes, schemas that compile strictly.
function ownErrors(spec) {
  const errors = [];
  const ids = new Set();
  const schemes = new Set(Object.keys(spec.components?.securitySchemes || {}));
  for (const { method, path, operation } of operationsOf(spec)) {
    const where = `${method} ${path}`;
    if (!operation.operationId) errors.push(`${where}: no operationId`);
    if (ids.has(operation.operationId)) errors.push(`${where}: operationId ${operation.operationId} is used twice`);
    ids.add(operation.operationId);
    if (!operation.responses?.['200']) errors.push(`${where}: no 200`);
    for (const status of Object.keys(operation.responses || {})) {
      if (!/^[1-5][0-9][0-9]$/.test(status)) errors.push(`${where}: response '${status}' is not one status code`);
    }
    for (const requirement of operation.security ?? spec.security ?? []) {
      for (const name of Object.keys(requirement)) {
        if (!schemes.has(name)) errors.push(`${where}: security scheme ${name} is not in components/securitySchemes`);
      }
    }
  }
  return [...errors, ...new SpecChecker(spec).compileAll()];
}

test('docs/openapi.yaml holds to what the OpenAPI schema leaves unchecked', () => {
  assert.deepEqual(ownErrors(loadSpec()), []);
});

test('broken copies are refused', async () => {
  const invalid = {
    'a response without its description': (s) => { delete s.paths['/healthz'].get.responses['200'].description; },
    'a $ref to a schema that does not exist': (s) => {
      s.paths['/v1/agents'].get.responses['200'].content['application/json'].schema.$ref = '#/components/schemas/Nope';
    },
    'a path that does not begin with /': (s) => { s.paths.readyz = s.paths['/readyz']; delete s.paths['/readyz']; },
    'a parameter without its location': (s) => { delete s.paths['/v1/executions'].get.parameters[4].in; },
    'openapi 3.1 misspelt': (s) => { s.openapi = '3.1'; },
  };
  for (const [what, edit] of Object.entries(invalid)) {
    const result = await validate(broken(edit)).catch((e) => ({ valid: false, errors: e.message }));
    assert.equal(result.valid, false, `${what}: accepted`);
  }
  // Valid OpenAPI, refused by the project's own checks.
  const unchecked = {
    'a schema keyword misspelt': [(s) => {
      delete s.components.schemas.Health.additionalProperties;
      s.components.schemas.Health.additionalProperty = false;
    }, 'additionalProperty'],
    'a security requirement naming no scheme': [(s) => { s.paths['/metrics'].get.security = [{ nope: [] }]; }, 'nope'],
    'a default response': [(s) => { s.paths['/healthz'].get.responses.default = { description: 'anything' }; }, 'default'],
    'an operationId used twice': [(s) => { s.paths['/readyz'].get.operationId = 'healthz'; }, 'used twice'],
  };
  for (const [what, [edit, expected]] of Object.entries(unchecked)) {
    const spec = broken(edit);
    assert.equal((await validate(spec)).valid, true, `${what}: the OpenAPI schema refuses it already`);
    const errors = ownErrors(spec);
    assert.ok(errors.some((e) => e.includes(expected)), `${what}: ${JSON.stringify(errors)}`);
  }
});
