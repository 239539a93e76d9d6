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

/** What the body of an update sets of an object's metadata; the rest stays as stored. */
const SET_BY_UPDATE = new Set(['generateName', 'labels', 'annotations', 'ownerReferences', 'finalizers']);

/**
 * An update's metadata, in the stored order: what the body sets from the body, the rest as stored.
 * Built key by key, not as `{ ...stored, labels, … }`: in V8 (Node 20), an object literal that
 * spreads an object and then names more properties, run unoptimized, made what it held survive
 * young collections until the next full one. The embedded control plane kept about 260 kB per
 * young collection of a run of dry-run updates that way, about 20 kB without (DEVELOPERS.md).
 */
export function updatedMeta(stored: ObjectMeta, body: ObjectMeta): ObjectMeta {
  const out: Record<string, unknown> = {};
  for (const key of META_ORDER) {
    const value = (SET_BY_UPDATE.has(key) ? body : stored)[key as keyof ObjectMeta];
    if (value !== undefined) out[key] = value;
  }
  return out as ObjectMeta;
}

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
