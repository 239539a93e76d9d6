import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { badRequest, unprocessable } from '../status-error';
import { isRecord } from '../types';

/** RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) Reflect.deleteProperty(out, key);
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** RFC 6902 JSON patch. A malformed patch is a 400; an operation that fails (`test`, missing path) a 422, as real. */
export function jsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch))
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  for (const op of patch) {
    if (!isRecord(op) || typeof op.op !== 'string' || typeof op.path !== 'string')
      throw badRequest(`invalid JSON patch operation: ${JSON.stringify(op)}`);
    if (!['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(op.op))
      throw badRequest(`Unexpected kind: ${op.op}`);
  }
  try {
    return jsonpatch.applyPatch(structuredClone(target), patch as Operation[], true, true, true).newDocument;
  } catch (err) {
    if (err instanceof jsonpatch.JsonPatchError) {
      if (err.name === 'TEST_OPERATION_FAILED') {
        const op = isRecord(err.operation) ? err.operation : {};
        throw unprocessable(
          `the server rejected our request due to an error in our request: testing value ${String(op.path)} failed: test failed`,
        );
      }
      throw unprocessable(
        `the server rejected our request due to an error in our request: ${err.message.split('\n')[0] ?? 'patch failed'}`,
      );
    }
    throw err;
  }
}

/**
 * Merge keys of the built-in lists a strategic merge patch merges element by element (from the
 * `patchMergeKey` tags of core/v1). Other lists are replaced, as a JSON merge patch would.
 */
const MERGE_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  imagePullSecrets: ['name'],
  conditions: ['type'],
  ownerReferences: ['uid'],
  hostAliases: ['ip'],
  ports: ['port', 'containerPort'],
};
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

/**
 * A strategic merge patch for the built-in kinds, enough for what kubectl sends (client-side apply,
 * edit, label): `$patch`, `$retainKeys`, `$deleteFromPrimitiveList/`, `$setElementOrder/` directives
 * and keyed list merges. It is not the full algorithm (no patch metadata from OpenAPI).
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(value))
        out[field] = current.filter((v) => !value.includes(v));
      continue;
    }
    if (value === null) {
      Reflect.deleteProperty(out, key);
      continue;
    }
    const merged = mergeField(key, out[key], value);
    if (merged === undefined) Reflect.deleteProperty(out, key);
    else out[key] = merged;
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const key of Object.keys(out))
      if (!keep.has(key) && !(key in patch)) Reflect.deleteProperty(out, key);
  }
  return out;
}

function mergeField(key: string, current: unknown, value: unknown): unknown {
  if (Array.isArray(value)) {
    if (MERGED_PRIMITIVE_LISTS.has(key) && Array.isArray(current))
      return [...current, ...value.filter((v) => !current.includes(v))];
    const mergeKey = mergeKeyFor(key, value);
    if (mergeKey && Array.isArray(current)) return mergeList(current, value, mergeKey);
    return value.filter((v) => !(isRecord(v) && v.$patch === 'delete')).map(stripDirectives);
  }
  if (isRecord(value)) return strategicMergePatch(current, value);
  return value;
}

function mergeKeyFor(field: string, patchItems: unknown[]): string | undefined {
  const candidates = MERGE_KEYS[field];
  if (!candidates) return undefined;
  return candidates.find((k) => patchItems.some((item) => isRecord(item) && item[k] !== undefined));
}

function mergeList(current: unknown[], patch: unknown[], mergeKey: string): unknown[] {
  if (patch.some((item) => isRecord(item) && item.$patch === 'replace'))
    return patch.filter((item) => !(isRecord(item) && item.$patch === 'replace')).map(stripDirectives);
  const out = [...current];
  for (const item of patch) {
    if (!isRecord(item)) continue;
    const index = out.findIndex((existing) => isRecord(existing) && existing[mergeKey] === item[mergeKey]);
    if (item.$patch === 'delete') {
      if (index >= 0) out.splice(index, 1);
    } else if (index >= 0) {
      out[index] = strategicMergePatch(out[index], item);
    } else {
      out.push(stripDirectives(item));
    }
  }
  return out;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('$')) out[k] = stripDirectives(v);
  return out;
}
