import { badRequest } from '../status-error';
import type { ObjectMeta } from '../types';
import { isRecord } from '../types';

/** What a client sent, checked for shape the way decoding into Go structs would check it. */
export interface DecodedObject {
  /** The body without metadata; apiVersion and kind as sent (possibly absent). */
  body: Record<string, unknown>;
  meta: ObjectMeta;
  /** metadata fields ObjectMeta does not have: pruned, reported for Strict validation and warnings. */
  unknownFields: string[];
}

const STRING_FIELDS = [
  'name',
  'generateName',
  'namespace',
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
] as const;
/** Known ObjectMeta fields that are either kept from input or set by the server and ignored in input. */
const IGNORED_FIELDS = new Set(['selfLink', 'managedFields', 'deletionGracePeriodSeconds']);

export interface DecodeContext {
  kind: string;
  version: string;
}

function decodeError(ctx: DecodeContext, detail: string) {
  return badRequest(`${ctx.kind} in version "${ctx.version}" cannot be handled as a ${ctx.kind}: ${detail}`);
}

function stringMap(value: unknown, field: string, ctx: DecodeContext): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value))
    throw decodeError(
      ctx,
      `json: cannot unmarshal ${typeof value} into Go struct field ObjectMeta.metadata.${field} of type map[string]string`,
    );
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string')
      throw decodeError(
        ctx,
        `json: cannot unmarshal ${v === null ? 'null' : typeof v} into Go struct field ObjectMeta.metadata.${field} of type string (key ${JSON.stringify(k)})`,
      );
  }
  return value as Record<string, string>;
}

export function decodeObject(input: unknown, ctx: DecodeContext): DecodedObject {
  if (!isRecord(input)) throw decodeError(ctx, 'the body must be a JSON object');
  const { metadata, ...body } = input;
  if (metadata !== undefined && metadata !== null && !isRecord(metadata))
    throw decodeError(ctx, 'json: cannot unmarshal into Go struct field .metadata of type v1.ObjectMeta');
  const raw = isRecord(metadata) ? metadata : {};
  const meta: ObjectMeta = {};
  const unknownFields: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) continue;
    if ((STRING_FIELDS as readonly string[]).includes(key)) {
      if (typeof value !== 'string')
        throw decodeError(
          ctx,
          `json: cannot unmarshal ${typeof value} into Go struct field ObjectMeta.metadata.${key} of type string`,
        );
      (meta as Record<string, unknown>)[key] = value;
    } else if (key === 'generation') {
      if (typeof value !== 'number')
        throw decodeError(
          ctx,
          'json: cannot unmarshal into Go struct field ObjectMeta.metadata.generation of type int64',
        );
      meta.generation = value;
    } else if (key === 'labels' || key === 'annotations') {
      const map = stringMap(value, key, ctx);
      if (map) meta[key] = map;
    } else if (key === 'finalizers') {
      if (!Array.isArray(value) || value.some((f) => typeof f !== 'string'))
        throw decodeError(
          ctx,
          'json: cannot unmarshal into Go struct field ObjectMeta.metadata.finalizers of type []string',
        );
      meta.finalizers = value as string[];
    } else if (key === 'ownerReferences') {
      if (!Array.isArray(value) || value.some((r) => !isRecord(r)))
        throw decodeError(
          ctx,
          'json: cannot unmarshal into Go struct field ObjectMeta.metadata.ownerReferences of type []v1.OwnerReference',
        );
      meta.ownerReferences = value;
    } else if (!IGNORED_FIELDS.has(key)) {
      unknownFields.push(`metadata.${key}`);
    }
  }
  if (body.apiVersion !== undefined && typeof body.apiVersion !== 'string')
    throw decodeError(ctx, 'apiVersion must be a string');
  if (body.kind !== undefined && typeof body.kind !== 'string')
    throw decodeError(ctx, 'kind must be a string');
  return { body, meta, unknownFields };
}
