import type { ApiErrorBody } from './contract';

export const API_BASE = '/api/v1';

/** Codes the client itself produces, beside the server's (NotFound, InvalidRequest, Conflict, …). */
export const CLIENT_ERROR_CODES = {
  network: 'NetworkError',
  http: 'HttpError',
  invalidResponse: 'InvalidResponse',
} as const;

/**
 * A failed API call. `code`, `message` and `field` come from the server's error body, which is safe
 * to show; when there is no such body (a proxy's HTML page, a dropped connection) they describe the
 * failure without repeating what the server sent.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    this.field = body.field;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  /** The request itself was wrong (4xx): repeating it cannot help. */
  get isClientError(): boolean {
    return this.status >= 400 && this.status < 500;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

type QueryValue = string | number | boolean | null | undefined;

/**
 * Builds `/api/v1/<segments>?<query>`, encoding every path segment (service IDs contain `@`, `/`
 * and dots) and leaving out empty query values.
 */
export function apiPath(segments: readonly (string | number)[], query?: Record<string, QueryValue>): string {
  const path = `${API_BASE}/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === 'string' &&
    typeof v.message === 'string' &&
    (v.field === undefined || typeof v.field === 'string')
  );
}

async function readJson(response: Response): Promise<unknown> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return undefined;
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

// Absolute, so the same code runs in the browser and under Node's fetch in tests.
function toUrl(path: string): string {
  const origin = globalThis.location?.origin;
  return origin && origin !== 'null' ? new URL(path, origin).toString() : path;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Sends one request and reads its JSON body (`undefined` for a write's 204 No Content). Rejects with
 * an ApiError for any failure: network, non-2xx, a success without JSON.
 */
async function request(
  method: Method,
  path: string,
  body: unknown,
  options: RequestOptions,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(toUrl(path), {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
    });
  } catch (err) {
    // Cancellation is react-query's business, not an error to show.
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, { code: CLIENT_ERROR_CODES.network, message: 'The server could not be reached' });
  }
  const json = await readJson(response);
  if (!response.ok) {
    throw new ApiError(
      response.status,
      isErrorBody(json)
        ? json
        : {
            code: CLIENT_ERROR_CODES.http,
            message: `The request failed with HTTP status ${response.status}`,
          },
    );
  }
  // A write may answer 204 No Content; a read must send what it was asked for.
  if (response.status === 204 && method !== 'GET') return undefined;
  if (json === undefined) {
    throw new ApiError(response.status, {
      code: CLIENT_ERROR_CODES.invalidResponse,
      message: 'The server sent a response the console does not understand',
    });
  }
  return json;
}

/** GETs a JSON resource of the API. Rejects with an ApiError on any failure. */
export async function apiGet<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return (await request('GET', path, undefined, options)) as T;
}

// Writes resolve with the JSON body the server answers with, or `undefined` for 204 No Content.

/** POSTs `body` (as JSON, if given). Rejects with an ApiError on any failure. */
export async function apiPost<T>(
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T | undefined> {
  return (await request('POST', path, body, options)) as T | undefined;
}

/** PUTs `body` as JSON. Rejects with an ApiError on any failure. */
export async function apiPut<T>(
  path: string,
  body: unknown,
  options: RequestOptions = {},
): Promise<T | undefined> {
  return (await request('PUT', path, body, options)) as T | undefined;
}

/** DELETEs a resource. Rejects with an ApiError on any failure. */
export async function apiDelete<T = undefined>(
  path: string,
  options: RequestOptions = {},
): Promise<T | undefined> {
  return (await request('DELETE', path, undefined, options)) as T | undefined;
}
