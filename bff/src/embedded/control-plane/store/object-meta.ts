import { randomInt } from 'node:crypto';
import type { KubeObject, ObjectMeta } from '../types';

/** Builds objects in the field order kubectl users are used to: apiVersion, kind, metadata, spec…, status. */
export function composeObject(
  apiVersion: string,
  kind: string,
  meta: ObjectMeta,
  body: Record<string, unknown>,
): KubeObject {
  const { apiVersion: _a, kind: _k, metadata: _m, status, ...rest } = body;
  const object: KubeObject = { apiVersion, kind, metadata: orderedMeta(meta), ...rest };
  if (status !== undefined) object.status = status;
  return object;
}

const META_ORDER: string[] = [
  'name',
  'generateName',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

function orderedMeta(meta: ObjectMeta): ObjectMeta {
  const out: Record<string, unknown> = {};
  const given = meta as Record<string, unknown>;
  for (const key of META_ORDER) if (given[key] !== undefined) out[key] = given[key];
  return out as ObjectMeta;
}

/** RFC 3339 with whole seconds, as metav1.Time marshals. */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** generateName: the prefix (cut so the result fits 63 characters) and five random characters. */
export function generatedName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SUFFIX_ALPHABET.charAt(randomInt(SUFFIX_ALPHABET.length));
  return prefix.slice(0, 58) + suffix;
}

/** Everything a change to which bumps metadata.generation. */
export function specPart(object: KubeObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, status: _s, ...rest } = object;
  return rest;
}
