import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { JsonSchema } from '../registry/resource-type';
import type { FieldError } from '../status-error';
import { invalidValue } from '../status-error';
import { isRecord } from '../types';
import { childPath, indexPath, jsonTypeName } from './field-path';

/*
 * OpenAPI v3 schemas of CRDs are checked with ajv. `strict: false` lets the x-kubernetes-*
 * extensions through as annotations; string formats are not checked because the apiserver checks
 * only a few of them and Istio's schemas use format for number widths (int32, double).
 */
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, validateSchema: false });

// Compiling a large CRD schema takes tens of milliseconds; each one is compiled once per process.
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Schema violations of `object`, as Kubernetes field errors. */
export function schemaErrors(object: unknown, schema: JsonSchema): FieldError[] {
  const validate = validatorFor(schema);
  if (validate(object)) return [];
  const errors = (validate.errors ?? []).filter(isReportable);
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const err of errors) {
    const fieldError = toFieldError(err, object);
    const key = `${fieldError.field}\u0000${fieldError.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(fieldError);
  }
  return out;
}

/**
 * Errors inside the branches of oneOf/anyOf/not only explain why a branch did not match; the
 * apiserver reports the combinator itself, and so do we.
 */
function isReportable(err: ErrorObject): boolean {
  return !/\/(oneOf|anyOf)\/\d+\//.test(err.schemaPath) && !/\/not\//.test(err.schemaPath);
}

/** `/spec/http/0/route` → `spec.http[0].route`, telling array indexes from keys by walking the data. */
function fieldPathOf(instancePath: string, data: unknown): { path: string; value: unknown } {
  let path = '';
  let value = data;
  if (instancePath === '') return { path, value };
  for (const raw of instancePath.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      const i = Number(segment);
      path = indexPath(path, i);
      value = value[i];
    } else {
      path = childPath(path, segment);
      value = isRecord(value) ? value[segment] : undefined;
    }
  }
  return { path, value };
}

function shown(value: unknown): unknown {
  return isRecord(value) || Array.isArray(value) ? jsonTypeName(value) : value;
}

function toFieldError(err: ErrorObject, data: unknown): FieldError {
  const { path, value } = fieldPathOf(err.instancePath, data);
  const p = err.params as Record<string, unknown>;
  const inBody = `${path} in body`;
  switch (err.keyword) {
    case 'required': {
      const missing = typeof p.missingProperty === 'string' ? p.missingProperty : '';
      return { reason: 'FieldValueRequired', field: childPath(path, missing), message: 'Required value' };
    }
    case 'type': {
      const actual = jsonTypeName(value);
      const expected = Array.isArray(p.type) ? p.type.join(',') : String(p.type);
      return {
        reason: 'FieldValueTypeInvalid',
        field: path,
        message: invalidValue(actual, `${inBody} must be of type ${expected}: ${JSON.stringify(actual)}`),
      };
    }
    case 'enum': {
      const allowed = Array.isArray(p.allowedValues) ? p.allowedValues : [];
      return {
        reason: 'FieldValueNotSupported',
        field: path,
        message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    }
    case 'maximum':
    case 'exclusiveMaximum':
      return invalidField(
        path,
        value,
        `${inBody} should be less than ${err.keyword === 'maximum' ? 'or equal to ' : ''}${String(p.limit)}`,
      );
    case 'minimum':
    case 'exclusiveMinimum':
      return invalidField(
        path,
        value,
        `${inBody} should be greater than ${err.keyword === 'minimum' ? 'or equal to ' : ''}${String(p.limit)}`,
      );
    case 'maxLength':
      return {
        reason: 'FieldValueTooLong',
        field: path,
        message: `Too long: may not be more than ${String(p.limit)} bytes`,
      };
    case 'minLength':
      return invalidField(path, value, `${inBody} should be at least ${String(p.limit)} chars long`);
    case 'maxItems':
    case 'maxProperties': {
      const count = Array.isArray(value) ? value.length : isRecord(value) ? Object.keys(value).length : 0;
      return {
        reason: 'FieldValueTooMany',
        field: path,
        message: `Too many: ${count}: must have at most ${String(p.limit)} items`,
      };
    }
    case 'minItems':
      return invalidField(path, value, `${inBody} should have at least ${String(p.limit)} items`);
    case 'minProperties':
      return invalidField(path, value, `${inBody} should have at least ${String(p.limit)} properties`);
    case 'pattern':
      return invalidField(path, value, `${inBody} should match '${String(p.pattern)}'`);
    case 'oneOf':
      return invalidField(path, value, `${inBody} must validate one and only one schema (oneOf)`);
    case 'anyOf':
      return invalidField(path, value, `${inBody} must validate at least one schema (anyOf)`);
    case 'not':
      return invalidField(path, value, `${inBody} must not validate the schema (not)`);
    case 'uniqueItems':
      return {
        reason: 'FieldValueDuplicate',
        field: path,
        message: `Duplicate value: ${JSON.stringify(value)}`,
      };
    default:
      return invalidField(path, value, `${inBody} ${err.message ?? 'is invalid'}`);
  }
}

function invalidField(path: string, value: unknown, detail: string): FieldError {
  return { reason: 'FieldValueInvalid', field: path, message: invalidValue(shown(value), detail) };
}
