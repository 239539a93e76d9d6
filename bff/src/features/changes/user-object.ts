import {
  apiVersionProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  labelKeyProblem,
  labelValueProblem,
} from '../../contract/envoy-values';
import { badRequest } from '../../lib/errors';

/**
 * The Kubernetes envelope of an object a user wrote (the YAML editor), checked before anything
 * reads it: every mistake is a 400 naming the field, where it used to be a TypeError (a 500) or a
 * control plane refusal passed on as a 502.
 */

interface UserObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface UserObject {
  apiVersion: string;
  kind: string;
  metadata: UserObjectMeta;
  spec: Record<string, unknown>;
  [key: string]: unknown;
}

/** kube-apiserver's limit on all annotations of an object together. */
const ANNOTATIONS_LIMIT = 256 * 1024;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const describe = (v: unknown): string =>
  v === null || v === undefined
    ? String(v)
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'object'
        ? 'a map'
        : `a ${typeof v}`;

/**
 * The value as a typed object, or a 400 whose message starts with the offending field
 * (`metadata.labels["app"]: …`). `field` is the request field the object came in (default `yaml`).
 */
export function validateUserObject(value: unknown, options: { field?: string } = {}): UserObject {
  const field = options.field ?? 'yaml';
  const fail = (path: string, message: string): never => {
    throw badRequest(`${path}: ${message}`, field);
  };
  if (!isRecord(value)) return fail('(the document)', `must be a map (an object), not ${describe(value)}`);

  const { apiVersion, kind, metadata, spec } = value;
  if (typeof apiVersion !== 'string') fail('apiVersion', `must be a string, not ${describe(apiVersion)}`);
  const avProblem = apiVersionProblem(apiVersion as string);
  if (avProblem) fail('apiVersion', avProblem);
  if (typeof kind !== 'string' || kind.length === 0)
    fail('kind', typeof kind === 'string' ? 'cannot be empty' : `must be a string, not ${describe(kind)}`);
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(kind as string))
    fail('kind', 'must be a kind name such as VirtualService');

  if (!isRecord(metadata)) return fail('metadata', `must be a map, not ${describe(metadata)}`);
  const { name, namespace, labels, annotations } = metadata;
  if (typeof name !== 'string') fail('metadata.name', `must be a string, not ${describe(name)}`);
  const nameProblem = dns1123SubdomainProblem(name as string);
  if (nameProblem) fail('metadata.name', nameProblem);
  if (namespace !== undefined && namespace !== null) {
    if (typeof namespace !== 'string')
      fail('metadata.namespace', `must be a string, not ${describe(namespace)}`);
    const nsProblem = dns1123LabelProblem(namespace as string);
    if (nsProblem) fail('metadata.namespace', nsProblem);
  }
  const stringMap = (map: unknown, path: string, isLabel: boolean): Record<string, string> | undefined => {
    if (map === undefined || map === null) return undefined;
    if (!isRecord(map)) return fail(path, `must be a map of strings, not ${describe(map)}`);
    let bytes = 0;
    for (const [k, v] of Object.entries(map)) {
      const at = `${path}[${JSON.stringify(k)}]`;
      if (typeof v !== 'string')
        fail(
          at,
          `must be a string, not ${describe(v)}${typeof v === 'number' || typeof v === 'boolean' ? ' (quote it)' : ''}`,
        );
      const keyProblem = labelKeyProblem(isLabel ? k : k.toLowerCase());
      if (keyProblem) fail(at, `the key is not valid: ${keyProblem}`);
      if (isLabel) {
        const valueProblem = labelValueProblem(v as string);
        if (valueProblem) fail(at, valueProblem);
      }
      bytes += new TextEncoder().encode(k).length + new TextEncoder().encode(v as string).length;
    }
    if (!isLabel && bytes > ANNOTATIONS_LIMIT) fail(path, `at most ${ANNOTATIONS_LIMIT} bytes in all`);
    return map as Record<string, string>;
  };
  stringMap(labels, 'metadata.labels', true);
  stringMap(annotations, 'metadata.annotations', false);

  if (!isRecord(spec)) return fail('spec', `must be a map, not ${describe(spec)}`);
  return value as UserObject;
}
