import type { ResourceType } from '../registry/resource-type';
import type { FieldError } from '../status-error';
import { invalidValue } from '../status-error';
import type { ObjectMeta } from '../types';
import { labelValueErrors, nameErrors, qualifiedNameErrors } from './names';

const ANNOTATIONS_LIMIT = 256 * 1024;

/** ObjectMeta validation: name, labels, annotations (apimachinery's ValidateObjectMeta). */
export function metadataErrors(meta: ObjectMeta, type: ResourceType): FieldError[] {
  const out: FieldError[] = [];
  if (!meta.name) {
    out.push({
      reason: 'FieldValueRequired',
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
  } else {
    for (const msg of nameErrors(meta.name, type.nameRule))
      out.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.name',
        message: invalidValue(meta.name, msg),
      });
  }
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    for (const msg of qualifiedNameErrors(key))
      out.push({ reason: 'FieldValueInvalid', field: 'metadata.labels', message: invalidValue(key, msg) });
    for (const msg of labelValueErrors(value))
      out.push({ reason: 'FieldValueInvalid', field: 'metadata.labels', message: invalidValue(value, msg) });
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(value);
    for (const msg of qualifiedNameErrors(key.toLowerCase()))
      out.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.annotations',
        message: invalidValue(key, msg),
      });
  }
  if (annotationBytes > ANNOTATIONS_LIMIT)
    out.push({
      reason: 'FieldValueTooLong',
      field: 'metadata.annotations',
      message: `Too long: must have at most ${ANNOTATIONS_LIMIT} bytes`,
    });
  return out;
}
