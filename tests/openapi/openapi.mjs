// docs/openapi.yaml as a checker of HTTP answers: the spec's schemas compiled
// with Ajv (JSON Schema draft 2020-12, strict mode, formats), and a check of
// one answer (status, headers, content type, body) against the operation of
// its method and path. Shared by spec.test.mjs and http_conformance.test.mjs.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const SPEC_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/openapi.yaml');
export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// The id under which the spec's components/schemas are registered with Ajv.
const SCHEMAS_ID = 'urn:exidx:openapi:schemas';

export function loadSpec(path = SPEC_PATH) {
  return parse(readFileSync(path, 'utf8'));
}

// The value at a local JSON pointer ("#/components/responses/NotFound").
export function pointer(spec, ref) {
  if (!ref.startsWith('#/')) throw new Error(`only local references are used here, got ${ref}`);
  let value = spec;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (value === undefined || value === null || !(key in value)) throw new Error(`${ref} does not resolve`);
    value = value[key];
  }
  return value;
}

// A Response, Header or Parameter object, following $ref (not for schemas,
// whose $ref Ajv resolves).
export function deref(spec, object) {
  for (let hops = 0; object && typeof object.$ref === 'string'; ++hops) {
    if (hops > 20) throw new Error('a $ref cycle');
    object = pointer(spec, object.$ref);
  }
  return object;
}

// A deep copy of a schema whose '#/components/schemas/X' references point at
// the schemas registered with Ajv.
function rebase(schema) {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
      out.$ref = `${SCHEMAS_ID}#/$defs/${value.slice('#/components/schemas/'.length)}`;
    } else {
      out[key] = rebase(value);
    }
  }
  return out;
}

// Every operation of the spec: {method: 'GET', path, operation}.
export function operationsOf(spec) {
  const out = [];
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const method of METHODS) {
      if (item[method]) out.push({ method: method.toUpperCase(), path, operation: item[method] });
    }
  }
  return out;
}

// type/subtype and parameters of a Content-Type, lower-cased.
function parseMediaType(text) {
  const [essence, ...params] = String(text).split(';').map((s) => s.trim());
  const parameters = {};
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq > 0) parameters[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
  }
  return { essence: essence.toLowerCase(), parameters };
}

// True when the response's Content-Type is the spec's media type: the same
// type/subtype and every parameter the spec names, with its value.
function mediaTypeMatches(specKey, contentType) {
  const want = parseMediaType(specKey), got = parseMediaType(contentType);
  if (want.essence !== got.essence) return false;
  return Object.entries(want.parameters).every(([k, v]) => got.parameters[k] === v);
}

// The events of a text/event-stream body: [{event, id, data}], comments dropped.
export function parseEventStream(text) {
  const events = [];
  for (const block of text.split('\n\n')) {
    const event = { event: 'message', id: undefined, data: [] };
    let fields = 0;
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      ++fields;
      if (name === 'event') event.event = value;
      else if (name === 'id') event.id = value;
      else if (name === 'data') event.data.push(value);
    }
    if (fields > 0 && event.data.length > 0) events.push({ ...event, data: event.data.join('\n') });
  }
  return events;
}

export class SpecChecker {
  constructor(spec) {
    this.spec = spec;
    this.ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: SCHEMAS_ID, $defs: rebase(spec.components?.schemas || {}) });
    this.compiled = new Map();
  }

  // A validator of `schema` (a schema object of the spec), compiled once.
  validator(schema) {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(rebase(schema));
      this.compiled.set(schema, validate);
    }
    return validate;
  }

  // Errors (strings; none when valid) of `value` against `schema`.
  schemaErrors(schema, value, where) {
    const validate = this.validator(schema);
    if (validate(value)) return [];
    return validate.errors.map((e) => `${where}${e.instancePath}: ${e.message} ${JSON.stringify(e.params)}`);
  }

  // The Response object that describes `status` for `method path`, and its
  // name for messages; or the reason there is none. Unknown paths are
  // described by components/responses/NotFound, other methods of a known path
  // by MethodNotAllowed (OpenAPI has no place for them in an operation).
  describedResponse(method, path, status) {
    const item = this.spec.paths?.[path];
    if (!item) {
      if (status !== 404) return { missing: `${method} ${path}: not a path of the spec, yet answered ${status}` };
      return { response: deref(this.spec, { $ref: '#/components/responses/NotFound' }), key: `${method} (unknown path) 404` };
    }
    const operation = item[method.toLowerCase()];
    if (!operation) {
      if (status !== 405) return { missing: `${method} ${path}: not an operation of the spec, yet answered ${status}` };
      return { response: deref(this.spec, { $ref: '#/components/responses/MethodNotAllowed' }), key: `${method} ${path} 405`, allow: true };
    }
    const response = operation.responses?.[String(status)];
    if (!response) return { missing: `${method} ${path}: status ${status} is not described by the spec` };
    return { response: deref(this.spec, response), key: `${method} ${path} ${status}` };
  }

  // Checks one answer: {status, headers: {lower-case name: value}, body:
  // string}. Returns the list of what the spec does not describe (empty when
  // the answer conforms).
  check(method, path, answer) {
    const described = this.describedResponse(method, path, answer.status);
    if (described.missing) return [described.missing];
    const { response } = described;
    const where = described.key;
    const errors = [];
    for (const [name, header] of Object.entries(response.headers || {})) {
      const h = deref(this.spec, header);
      const value = answer.headers[name.toLowerCase()];
      if (value === undefined) {
        if (h.required) errors.push(`${where}: required header ${name} is missing`);
        continue;
      }
      if (h.schema) errors.push(...this.schemaErrors(h.schema, value, `${where} header ${name}`));
    }
    if (described.allow) {
      const methods = METHODS.filter((m) => this.spec.paths[path][m]).map((m) => m.toUpperCase()).sort().join(', ');
      if (answer.headers.allow !== methods) errors.push(`${where}: Allow is '${answer.headers.allow}', the spec's methods '${methods}'`);
    }
    const content = response.content || {};
    const types = Object.keys(content);
    if (types.length === 0) {
      if (answer.body.length > 0) errors.push(`${where}: a body the spec does not describe`);
      return errors;
    }
    const contentType = answer.headers['content-type'];
    const type = types.find((t) => mediaTypeMatches(t, contentType));
    if (!type) return [...errors, `${where}: Content-Type '${contentType}' is not among ${types.join(', ')}`];
    const media = content[type];
    const essence = parseMediaType(type).essence;
    if (essence === 'application/json' || essence.endsWith('+json')) {
      let body;
      try {
        body = JSON.parse(answer.body);
      } catch (e) {
        return [...errors, `${where}: the body is not JSON: ${e.message}`];
      }
      if (media.schema) errors.push(...this.schemaErrors(media.schema, body, `${where} body`));
    } else if (essence === 'text/event-stream') {
      if (media.schema) errors.push(...this.schemaErrors(media.schema, answer.body, `${where} body`));
      const kinds = media['x-sse-events'] || {};
      for (const event of parseEventStream(answer.body)) {
        const schema = kinds[event.event];
        if (!schema) {
          errors.push(`${where}: event '${event.event}' is not described by x-sse-events`);
          continue;
        }
        let data;
        try {
          data = JSON.parse(event.data);
        } catch (e) {
          errors.push(`${where}: event '${event.event}' data is not JSON: ${e.message}`);
          continue;
        }
        errors.push(...this.schemaErrors(schema, data, `${where} event ${event.event} (id ${event.id})`));
      }
    } else if (media.schema) {
      errors.push(...this.schemaErrors(media.schema, answer.body, `${where} body`));
    }
    return errors;
  }

  // Every schema of the spec (components, parameters, headers, media types,
  // x-sse-events) compiled in strict mode: a keyword Ajv does not know (a
  // typo such as `additionalProperty`) is an error here, though the OpenAPI
  // meta-schema lets any keyword through. Returns the errors.
  compileAll() {
    const errors = [];
    const tryCompile = (schema, where) => {
      try {
        this.validator(schema);
      } catch (e) {
        errors.push(`${where}: ${e.message}`);
      }
    };
    for (const [name, schema] of Object.entries(this.spec.components?.schemas || {})) {
      tryCompile({ $ref: `#/components/schemas/${name}` }, `components/schemas/${name}`);
    }
    const visitResponse = (response, where) => {
      for (const [name, header] of Object.entries(response.headers || {})) {
        const h = deref(this.spec, header);
        if (h.schema) tryCompile(h.schema, `${where} header ${name}`);
      }
      for (const [type, media] of Object.entries(response.content || {})) {
        if (media.schema) tryCompile(media.schema, `${where} ${type}`);
        for (const [kind, schema] of Object.entries(media['x-sse-events'] || {})) tryCompile(schema, `${where} event ${kind}`);
      }
    };
    for (const [name, response] of Object.entries(this.spec.components?.responses || {})) {
      visitResponse(response, `components/responses/${name}`);
    }
    for (const { method, path, operation } of operationsOf(this.spec)) {
      for (const parameter of operation.parameters || []) {
        const p = deref(this.spec, parameter);
        if (p.schema) tryCompile(p.schema, `${method} ${path} parameter ${p.name}`);
      }
      for (const [status, response] of Object.entries(operation.responses || {})) {
        if (!response.$ref) visitResponse(response, `${method} ${path} ${status}`);
      }
      for (const [type, media] of Object.entries(operation.requestBody?.content || {})) {
        if (media.schema) tryCompile(media.schema, `${method} ${path} request ${type}`);
      }
    }
    return errors;
  }
}
