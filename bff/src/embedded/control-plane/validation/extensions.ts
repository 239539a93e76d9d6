import type { JsonSchema } from '../registry/resource-type';
import type { FieldError } from '../status-error';
import { invalidValue } from '../status-error';
import { isRecord } from '../types';
import { evaluateRule } from './cel-rules';
import { childPath, indexPath, jsonTypeName, keyPath } from './field-path';

/**
 * The Kubernetes extensions JSON Schema has no keyword for: `x-kubernetes-validations` (CEL rules)
 * and `x-kubernetes-list-type` (set and map lists may not repeat an element or a key).
 */
export function extensionErrors(object: unknown, schema: JsonSchema): FieldError[] {
  const out: FieldError[] = [];
  walk(object, schema, '', out);
  return out;
}

/**
 * Per schema, whether it or anything under it carries a rule or a list type: computed once (schemas
 * live as long as their kind), so a write walks only the parts of an object that have checks.
 */
const checkedBelow = new WeakMap<JsonSchema, boolean>();

function hasChecks(schema: JsonSchema): boolean {
  let found = checkedBelow.get(schema);
  if (found === undefined) {
    checkedBelow.set(schema, false); // a schema that refers to itself adds nothing to its own answer
    found =
      Array.isArray(schema['x-kubernetes-validations']) ||
      schema['x-kubernetes-list-type'] === 'set' ||
      schema['x-kubernetes-list-type'] === 'map' ||
      (isRecord(schema.items) && hasChecks(schema.items)) ||
      (isRecord(schema.additionalProperties) && hasChecks(schema.additionalProperties)) ||
      (isRecord(schema.properties) &&
        Object.values(schema.properties).some((child) => isRecord(child) && hasChecks(child)));
    checkedBelow.set(schema, found);
  }
  return found;
}

function walk(value: unknown, schema: JsonSchema, path: string, out: FieldError[]): void {
  if (value === undefined || value === null || !hasChecks(schema)) return;
  checkRules(value, schema, path, out);
  if (Array.isArray(value)) {
    checkListType(value, schema, path, out);
    const items = isRecord(schema.items) ? schema.items : undefined;
    if (items && hasChecks(items)) value.forEach((item, i) => walk(item, items, indexPath(path, i), out));
    return;
  }
  if (!isRecord(value)) return;
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const additional = isRecord(schema.additionalProperties) ? schema.additionalProperties : undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const declared = properties[key];
    if (isRecord(declared)) {
      if (hasChecks(declared)) walk(value[key], declared, childPath(path, key), out);
    } else if (additional && hasChecks(additional)) walk(value[key], additional, keyPath(path, key), out);
  }
}

function checkRules(value: unknown, schema: JsonSchema, path: string, out: FieldError[]): void {
  const rules = schema['x-kubernetes-validations'];
  if (!Array.isArray(rules)) return;
  for (const r of rules) {
    if (!isRecord(r) || typeof r.rule !== 'string') continue;
    if (evaluateRule(r.rule, value) !== false) continue;
    const message = typeof r.message === 'string' ? r.message : `failed rule: ${r.rule}`;
    const field = typeof r.fieldPath === 'string' ? path + r.fieldPath : path;
    const reason =
      r.reason === 'FieldValueRequired' ||
      r.reason === 'FieldValueDuplicate' ||
      r.reason === 'FieldValueForbidden'
        ? r.reason
        : 'FieldValueInvalid';
    out.push({ reason, field, message: invalidValue(jsonTypeName(value), message) });
  }
}

function checkListType(value: unknown[], schema: JsonSchema, path: string, out: FieldError[]): void {
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') {
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const key = JSON.stringify(item);
      if (seen.has(key))
        out.push({
          reason: 'FieldValueDuplicate',
          field: indexPath(path, i),
          message: `Duplicate value: ${key}`,
        });
      seen.add(key);
    });
  } else if (listType === 'map') {
    const mapKeys = Array.isArray(schema['x-kubernetes-list-map-keys'])
      ? schema['x-kubernetes-list-map-keys']
      : [];
    const seen = new Set<string>();
    value.forEach((item, i) => {
      if (!isRecord(item)) return;
      const identity = Object.fromEntries(mapKeys.map((k) => [String(k), item[String(k)]]));
      const key = JSON.stringify(identity);
      if (seen.has(key))
        out.push({
          reason: 'FieldValueDuplicate',
          field: indexPath(path, i),
          message: `Duplicate value: ${key}`,
        });
      seen.add(key);
    });
  }
}
