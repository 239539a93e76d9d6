import { ApiException } from '@kubernetes/client-node';
import { ApiError } from '../lib/errors';

/** A metav1.Status, as the Kubernetes API returns errors. */
export interface KubeStatus {
  code: number;
  reason?: string;
  message?: string;
  details?: {
    name?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

/** The Status behind a client error, or null when the error did not come from the API server. */
export function kubeStatusOf(err: unknown): KubeStatus | null {
  if (!(err instanceof ApiException)) return null;
  let body: unknown = err.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      body = undefined;
    }
  }
  const status = (body && typeof body === 'object' ? body : {}) as Partial<KubeStatus>;
  return { ...status, code: typeof err.code === 'number' ? err.code : (status.code ?? 500) };
}

export function isKubeStatus(err: unknown, code: number): boolean {
  return kubeStatusOf(err)?.code === code;
}

/** A write based on a version of `what` that someone else has changed since: the one message for it. */
export function staleWrite(what: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `${what} was changed by someone else after you opened it. Reload to see the live version and the difference, then apply again; your form is kept.`,
  );
}

/**
 * What the operator is told when the control plane refuses a write. Conflicts, validation and
 * permission errors are explained (their messages are the API server's, written for users);
 * anything else becomes an opaque 502 so no internal detail reaches the browser.
 */
export function toApiError(err: unknown, what: string): ApiError | null {
  const status = kubeStatusOf(err);
  if (!status) return null;
  const cause = status.details?.causes?.[0];
  switch (status.code) {
    // The control plane's word on a malformed object (a name that is a number, a label that is not a
    // string): the operator's mistake, not the console's, so a 400 that says it rather than a 502.
    case 400:
      return new ApiError(
        400,
        'InvalidRequest',
        `The control plane refused ${what}: ${cause?.message ?? status.message ?? 'bad request'}`,
        cause?.field,
      );
    case 404:
      return new ApiError(404, 'NotFound', `${what} was not found`);
    case 409:
      return status.reason === 'AlreadyExists'
        ? new ApiError(
            409,
            'AlreadyExists',
            `${what} already exists; choose another name or edit the existing one`,
          )
        : staleWrite(what);
    case 422:
      return new ApiError(
        422,
        'Invalid',
        `The control plane rejected ${what}: ${cause?.message ?? status.message ?? 'invalid object'}`,
        cause?.field,
      );
    case 401:
    case 403:
      return new ApiError(
        403,
        'KubernetesForbidden',
        `Kubernetes does not allow you this change to ${what}: ${status.message ?? 'forbidden'}`,
      );
    default:
      return new ApiError(
        502,
        'ControlPlaneError',
        `The control plane failed to handle ${what} (status ${status.code})`,
      );
  }
}
