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

function walk(value: unknown, schema: JsonSchema, path: string, out: FieldError[]): void {
  if (value === undefined || value === null) return;
  checkRules(value, schema, path, out);
  if (Array.isArray(value)) {
    checkListType(value, schema, path, out);
    const items = isRecord(schema.items) ? schema.items : undefined;
    if (items) value.forEach((item, i) => walk(item, items, indexPath(path, i), out));
    return;
  }
  if (!isRecord(value)) return;
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const additional = isRecord(schema.additionalProperties) ? schema.additionalProperties : undefined;
  for (const [key, child] of Object.entries(value)) {
    const declared = properties[key];
    if (isRecord(declared)) walk(child, declared, childPath(path, key), out);
    else if (additional) walk(child, additional, keyPath(path, key), out);
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
