/** metav1.Status and the errors a kube-apiserver answers with, worded as the real ones are. */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A failure that carries the Status the API sends for it. */
export class StatusError extends Error {
  readonly status: Status;

  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'StatusError';
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code,
    };
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string {
    return this.status.reason ?? '';
  }
}

/** How an error names a resource: `virtualservices.networking.istio.io`, or `services` in the core group. */
export interface QualifiedResource {
  group: string;
  plural: string;
}

const qualified = (r: QualifiedResource) => (r.group === '' ? r.plural : `${r.plural}.${r.group}`);

export const notFound = (r: QualifiedResource, name: string) =>
  new StatusError(404, 'NotFound', `${qualified(r)} "${name}" not found`, {
    name,
    group: r.group,
    kind: r.plural,
  });

export const alreadyExists = (r: QualifiedResource, name: string) =>
  new StatusError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, {
    name,
    group: r.group,
    kind: r.plural,
  });

export const conflict = (r: QualifiedResource, name: string, why: string) =>
  new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, {
    name,
    group: r.group,
    kind: r.plural,
  });

export const staleResourceVersion = (r: QualifiedResource, name: string) =>
  conflict(
    r,
    name,
    'the object has been modified; please apply your changes to the latest version and try again',
  );

export interface FieldError {
  reason: FieldErrorReason;
  field: string;
  /** The message body, e.g. `Invalid value: "string": ...` or `Required value`. */
  message: string;
}

type FieldErrorReason =
  | 'FieldValueInvalid'
  | 'FieldValueRequired'
  | 'FieldValueNotSupported'
  | 'FieldValueTypeInvalid'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden';

/** `Kind.group "name" is invalid: <errors>`, with one cause per field error. */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): StatusError {
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  const texts = errors.map((e) => `${e.field}: ${e.message}`);
  const aggregate = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  return new StatusError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${aggregate}`, {
    name,
    group,
    kind,
    causes: errors.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
  });
}

export const badRequest = (message: string) => new StatusError(400, 'BadRequest', message);

export const unprocessable = (message: string) => new StatusError(422, 'Invalid', message);

export const forbidden = (r: QualifiedResource, name: string, why: string) =>
  new StatusError(403, 'Forbidden', `${qualified(r)} "${name}" is forbidden: ${why}`, {
    name,
    group: r.group,
    kind: r.plural,
  });

export const expired = (message: string) => new StatusError(410, 'Expired', message);

export const methodNotAllowed = () =>
  new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

export const resourceNotFound = () =>
  new StatusError(404, 'NotFound', 'the server could not find the requested resource');

export const unsupportedMediaType = (contentType: string, accepted: string[]) =>
  new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    contentType ? { kind: contentType } : undefined,
  );

export const internalError = () =>
  new StatusError(500, 'InternalError', 'Internal error occurred: the server could not complete the request');

/** `Invalid value: "x": detail`, quoting strings the way Go's %q does for plain text. */
export function invalidValue(value: unknown, detail?: string): string {
  const shown = typeof value === 'string' ? JSON.stringify(value) : formatScalar(value);
  return detail ? `Invalid value: ${shown}: ${detail}` : `Invalid value: ${shown}`;
}

function formatScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
