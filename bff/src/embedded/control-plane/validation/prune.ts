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
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) prune(item, items, indexPath(path, i), unknown);
    }
  }
}

/** Per schema, its properties that declare a default: computed once (schemas live as long as their kind). */
const defaultsOf = new WeakMap<JsonSchema, [string, unknown][]>();

function declaredDefaults(schema: JsonSchema, properties: Record<string, unknown>): [string, unknown][] {
  let found = defaultsOf.get(schema);
  if (!found) {
    found = [];
    for (const [key, child] of Object.entries(properties)) {
      const childSchema = asSchema(child);
      if (childSchema && childSchema.default !== undefined) found.push([key, childSchema.default]);
    }
    defaultsOf.set(schema, found);
  }
  return found;
}

// Runs on every write and dry run of a custom resource, over the whole object: it allocates only
// what it reports (a path is built when a field is dropped or has children to visit).
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
  for (const key in value) {
    if (!Object.hasOwn(value, key) || (root && ROOT_FIELDS.has(key))) continue;
    const declared = asSchema(properties?.[key]) ?? asSchema(additional);
    const field = value[key];
    if (declared) {
      if (field === null && declared.nullable !== true) Reflect.deleteProperty(value, key);
      else if (typeof field === 'object' && field !== null)
        prune(field, declared, childPath(path, key), unknown);
    } else if (!preserve && additional !== true) {
      Reflect.deleteProperty(value, key);
      unknown.push(childPath(path, key));
    }
  }
  if (properties) {
    for (const [key, fallback] of declaredDefaults(schema, properties)) {
      if (value[key] === undefined) value[key] = structuredClone(fallback);
    }
  }
}
