import type { ResolvedResource } from '../registry/registry';
import type { ResourceType } from '../registry/resource-type';
import { badRequest, conflict, invalid } from '../status-error';
import type { KubeObject, WriteOptions } from '../types';
import { apiVersionOf } from '../types';
import type { DecodedObject } from '../validation/decode';
import { decodeObject } from '../validation/decode';
import { extensionErrors } from '../validation/extensions';
import { metadataErrors } from '../validation/metadata';
import { pruneAndDefault } from '../validation/prune';
import { schemaErrors } from '../validation/schema-validator';

/** The steps every write goes through before it is stored: decode, prune, validate, preconditions. */

/** Decodes a body for a resource, refusing one of another group or kind. */
export function decodeFor({ type, version }: ResolvedResource, input: unknown): DecodedObject {
  // A JSON round trip: the caller's object is never mutated, and values (Dates) become what HTTP would carry.
  const plain: unknown = input === undefined ? undefined : JSON.parse(JSON.stringify(input));
  const decoded = decodeObject(plain, { kind: type.kind, version: version.name });
  const { apiVersion, kind } = decoded.body;
  // Any served version of the same resource is accepted: they share one schema and one stored object.
  if (
    typeof apiVersion === 'string' &&
    !type.versions.some((v) => apiVersionOf(type.group, v.name) === apiVersion)
  ) {
    throw badRequest(
      `the API version in the data (${apiVersion}) does not match the expected API version (${apiVersionOf(type.group, version.name)})`,
    );
  }
  if (typeof kind === 'string' && kind !== type.kind)
    throw badRequest(`the kind in the data (${kind}) does not match the expected kind (${type.kind})`);
  return decoded;
}

/** Structural pruning and defaulting; unknown fields fail (Strict), warn (Warn, the default) or vanish (Ignore). */
export function admitBody(
  { type, version }: ResolvedResource,
  decoded: DecodedObject,
  options: WriteOptions,
): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, ...body } = decoded.body;
  const unknown = [...decoded.unknownFields];
  if (version.schema) unknown.push(...pruneAndDefault(body, version.schema));
  if (unknown.length > 0) {
    const texts = unknown.map((f) => `unknown field "${f}"`);
    const mode = options.fieldValidation ?? 'Warn';
    // kube-apiserver answers strict decoding errors with 400 BadRequest, not 422.
    if (mode === 'Strict')
      throw badRequest(
        `${type.kind} in version "${version.name}" cannot be handled as a ${type.kind}: strict decoding error: ${texts.join(', ')}`,
      );
    if (mode === 'Warn') for (const t of texts) options.onWarning?.(t);
  }
  return body;
}

/** Metadata, schema and CEL validation: 422 Invalid with one cause per field error. */
export function validateObject({ type, version }: ResolvedResource, object: KubeObject): void {
  const errors = metadataErrors(object.metadata, type);
  if (version.schema)
    errors.push(...schemaErrors(object, version.schema), ...extensionErrors(object, version.schema));
  if (errors.length > 0) throw invalid(type.kind, type.group, object.metadata.name ?? '', errors);
}

/** Delete and update preconditions: the object must still have this uid and resourceVersion. */
export function checkPreconditions(
  type: ResourceType,
  current: KubeObject,
  pre: { uid?: string; resourceVersion?: string },
): void {
  const name = current.metadata.name ?? '';
  if (pre.uid && pre.uid !== current.metadata.uid)
    throw conflict(
      type,
      name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`,
    );
  if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion)
    throw conflict(
      type,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`,
    );
}
