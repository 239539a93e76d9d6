import { ApiError, CLIENT_ERROR_CODES } from '../../lib/api';
import type { ApiErrorBody } from '../../lib/contract';

// `lib/api.ts` has GET only; the routing writes need POST, PUT and DELETE. This mirrors `apiGet`
// (same ApiError, same safe messages) and belongs in lib once its owner takes it there.

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
  if (!(response.headers.get('content-type') ?? '').includes('json')) return undefined;
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function toUrl(path: string): string {
  const origin = globalThis.location?.origin;
  return origin && origin !== 'null' ? new URL(path, origin).toString() : path;
}

export type WriteMethod = 'POST' | 'PUT' | 'DELETE';

/**
 * Sends a write to the API. Resolves with the JSON body, or `undefined` for 204 No Content;
 * rejects with an ApiError whose code, message and field come from the server's error body.
 */
export async function apiSend<T>(method: WriteMethod, path: string, body?: unknown): Promise<T | undefined> {
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
    });
  } catch {
    throw new ApiError(0, { code: CLIENT_ERROR_CODES.network, message: 'The server could not be reached' });
  }
  if (response.status === 204) return undefined;
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
  if (json === undefined) {
    throw new ApiError(response.status, {
      code: CLIENT_ERROR_CODES.invalidResponse,
      message: 'The server sent a response the console does not understand',
    });
  }
  return json as T;
}
