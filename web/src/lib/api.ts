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

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

// The session's CSRF token, sent on every write made with the session cookie (the BFF refuses a
// write without it). The session module keeps it current from GET /auth/session and sign-in.
let csrfToken: string | undefined;

/** Sets (or, signed out, clears) the CSRF token that writes carry in `X-CSRF-Token`. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** The path and query the browser is at: where to come back to after signing in. */
function currentReturnTo(): string {
  const location = globalThis.location;
  return location ? `${location.pathname}${location.search}` : '/';
}

/** `/signin?returnTo=<path and query>`. */
export function signInPath(returnTo: string): string {
  return `/signin?${new URLSearchParams({ returnTo }).toString()}`;
}

/** What to do when the API says the session is gone: by default, load the sign-in page. */
let unauthenticatedHandler: () => void = () => {
  if (!globalThis.location || globalThis.location.pathname === '/signin') return;
  globalThis.location.assign(signInPath(currentReturnTo()));
};

/**
 * Replaces what happens on a 401 (the session provider navigates inside the SPA instead of
 * reloading it). Returns a function that puts the previous handler back.
 */
export function onUnauthenticated(handler: () => void): () => void {
  const previous = unauthenticatedHandler;
  unauthenticatedHandler = handler;
  return () => {
    if (unauthenticatedHandler === handler) unauthenticatedHandler = previous;
  };
}

const AUTH_LOGIN = `${API_BASE}/auth/login`;
const SESSION = `${API_BASE}/auth/session`;

/** Whether a 401 means "sign in again" (a wrong password on the sign-in form does not). */
function endsSession(path: string, code: string): boolean {
  const pathname = path.split('?')[0];
  return pathname !== AUTH_LOGIN && code !== 'InvalidCredentials';
}

/** After a refused CSRF token (a session renewed elsewhere): the session's current token. */
async function refreshCsrfToken(): Promise<boolean> {
  try {
    const response = await fetch(toUrl(SESSION), {
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
    });
    const json = (await readJson(response)) as { csrfToken?: unknown } | undefined;
    if (typeof json?.csrfToken !== 'string') return false;
    csrfToken = json.csrfToken;
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends one request and reads its JSON body (`undefined` for a write's 204 No Content). Rejects with
 * an ApiError for any failure: network, non-2xx, a success without JSON.
 */
async function request(
  method: Method,
  path: string,
  body: unknown,
  options: RequestOptions,
  retriedCsrf = false,
): Promise<unknown> {
  const write = method !== 'GET';
  let response: Response;
  try {
    response = await fetch(toUrl(path), {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(write && csrfToken ? { 'x-csrf-token': csrfToken } : {}),
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
    const error = new ApiError(
      response.status,
      isErrorBody(json)
        ? json
        : {
            code: CLIENT_ERROR_CODES.http,
            message: `The request failed with HTTP status ${response.status}`,
          },
    );
    // The session was renewed (another tab signed in again): fetch its token and try once more.
    if (write && !retriedCsrf && error.status === 403 && error.code === 'CsrfTokenInvalid') {
      if (await refreshCsrfToken()) return request(method, path, body, options, true);
    }
    if (error.status === 401 && endsSession(path, error.code)) unauthenticatedHandler();
    throw error;
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

/** PATCHes `body` as JSON. Rejects with an ApiError on any failure. */
export async function apiPatch<T>(
  path: string,
  body: unknown,
  options: RequestOptions = {},
): Promise<T | undefined> {
  return (await request('PATCH', path, body, options)) as T | undefined;
}

/** DELETEs a resource. Rejects with an ApiError on any failure. */
export async function apiDelete<T = undefined>(
  path: string,
  options: RequestOptions = {},
): Promise<T | undefined> {
  return (await request('DELETE', path, undefined, options)) as T | undefined;
}
