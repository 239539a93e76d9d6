import type { JsonSchema } from '../registry/resource-type';
import { isRecord } from '../types';
import { childPath, indexPath } from './field-path';

/** apiVersion, kind and metadata are the server's business, never the schema's. */
const ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Structural-schema pruning, as a kube-apiserver does for custom resources before validation:
 * fields the schema does not declare are dropped (unless it preserves unknown fields), nulls in
 * fields that are not nullable are dropped, and declared defaults are filled in. Mutates `object`;
 * returns the paths of the unknown fields it dropped, for Strict field validation and warnings.
 */
export function pruneAndDefault(object: Record<string, unknown>, schema: JsonSchema): string[] {
  const unknown: string[] = [];
  pruneObject(object, schema, '', unknown, true);
  return unknown;
}

function asSchema(value: unknown): JsonSchema | undefined {
  return isRecord(value) ? value : undefined;
}

function prune(value: unknown, schema: JsonSchema, path: string, unknown: string[]): void {
  if (isRecord(value)) pruneObject(value, schema, path, unknown, false);
  else if (Array.isArray(value)) {
    const items = asSchema(schema.items);
    if (!items) return;
    value.forEach((item, i) => prune(item, items, indexPath(path, i), unknown));
  }
}

function pruneObject(
  value: Record<string, unknown>,
  schema: JsonSchema,
  path: string,
  unknown: string[],
  root: boolean,
): void {
  const properties = isRecord(schema.properties) ? schema.properties : undefined;
  const additional = schema.additionalProperties;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const key of Object.keys(value)) {
    if (root && ROOT_FIELDS.has(key)) continue;
    const declared = asSchema(properties?.[key]) ?? asSchema(additional);
    const fieldPath = childPath(path, key);
    if (declared) {
      if (value[key] === null && declared.nullable !== true) Reflect.deleteProperty(value, key);
      else prune(value[key], declared, fieldPath, unknown);
    } else if (!preserve && additional !== true) {
      Reflect.deleteProperty(value, key);
      unknown.push(fieldPath);
    }
  }
  if (properties) {
    for (const [key, child] of Object.entries(properties)) {
      const childSchema = asSchema(child);
      if (value[key] === undefined && childSchema && childSchema.default !== undefined) {
        value[key] = structuredClone(childSchema.default);
      }
    }
  }
}
