// @vitest-environment jsdom
import '../test/setup';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { server } from '../test/server';
import { adminSession } from '../test/session';
import {
  ApiError,
  apiDelete,
  apiGet,
  apiPatch,
  apiPath,
  apiPost,
  apiPut,
  onUnauthenticated,
  setCsrfToken,
  signInPath,
} from './api';
import { shouldRetry } from './queryClient';

describe('apiPath', () => {
  it('encodes every path segment and leaves out empty query values', () => {
    expect(apiPath(['services', 'com.example.Echo@dubbo'])).toBe('/api/v1/services/com.example.Echo%40dubbo');
    expect(apiPath(['services', 'a/b?c#d'])).toBe('/api/v1/services/a%2Fb%3Fc%23d');
    expect(apiPath(['services'], { q: 'echo service', namespace: '', protocol: undefined, page: 2 })).toBe(
      '/api/v1/services?q=echo+service&page=2',
    );
  });
});

describe('apiGet', () => {
  it('returns the parsed JSON body', async () => {
    server.use(http.get('*/api/v1/thing', () => HttpResponse.json({ ok: true })));
    await expect(apiGet('/api/v1/thing')).resolves.toEqual({ ok: true });
  });

  it('turns an error body into an ApiError with code, message and field', async () => {
    server.use(
      http.get('*/api/v1/thing', () =>
        HttpResponse.json({ code: 'InvalidRequest', message: 'Too big', field: 'pageSize' }, { status: 400 }),
      ),
    );
    const error = await apiGet('/api/v1/thing').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: 'InvalidRequest',
      message: 'Too big',
      field: 'pageSize',
    });
    expect((error as ApiError).isClientError).toBe(true);
  });

  it('does not repeat a body that is not an API error', async () => {
    server.use(
      http.get('*/api/v1/thing', () =>
        HttpResponse.json({ error: 'ECONNREFUSED 10.0.0.1:6443', stack: 'at kube.ts:12' }, { status: 500 }),
      ),
    );
    const error = (await apiGet('/api/v1/thing').catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('HttpError');
    expect(error.message).toBe('The request failed with HTTP status 500');
  });

  it('reports an unreachable server as a network error', async () => {
    server.use(http.get('*/api/v1/thing', () => HttpResponse.error()));
    const error = (await apiGet('/api/v1/thing').catch((e: unknown) => e)) as ApiError;
    expect(error).toMatchObject({ status: 0, code: 'NetworkError' });
  });

  it('rejects a 204 No Content: a read must answer with what it was asked for', async () => {
    server.use(http.get('*/api/v1/thing', () => new HttpResponse(null, { status: 204 })));
    const error = (await apiGet('/api/v1/thing').catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('InvalidResponse');
  });

  it('rejects a success that is not JSON', async () => {
    server.use(http.get('*/api/v1/thing', () => HttpResponse.text('<html></html>')));
    const error = (await apiGet('/api/v1/thing').catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('InvalidResponse');
  });
});

describe('apiPost, apiPut, apiDelete', () => {
  it('send the body as JSON and return the JSON answer', async () => {
    const seen: { method: string; type: string | null; body: unknown }[] = [];
    const echo = async ({ request }: { request: Request }) => {
      seen.push({
        method: request.method,
        type: request.headers.get('content-type'),
        body: await request.json(),
      });
      return HttpResponse.json({ name: 'x' }, { status: request.method === 'POST' ? 201 : 200 });
    };
    server.use(http.post('*/api/v1/thing', echo), http.put('*/api/v1/thing', echo));
    await expect(apiPost('/api/v1/thing', { a: 1 })).resolves.toEqual({ name: 'x' });
    await expect(apiPut('/api/v1/thing', { b: 2 })).resolves.toEqual({ name: 'x' });
    expect(seen).toEqual([
      { method: 'POST', type: 'application/json', body: { a: 1 } },
      { method: 'PUT', type: 'application/json', body: { b: 2 } },
    ]);
  });

  it('resolve with undefined for 204 No Content', async () => {
    server.use(
      http.delete('*/api/v1/thing', () => new HttpResponse(null, { status: 204 })),
      http.post('*/api/v1/thing', () => new HttpResponse(null, { status: 204 })),
    );
    await expect(apiDelete('/api/v1/thing')).resolves.toBeUndefined();
    await expect(apiPost('/api/v1/thing')).resolves.toBeUndefined();
  });

  it('turn an error body into an ApiError, and never repeat one that is not', async () => {
    server.use(
      http.put('*/api/v1/thing', () =>
        HttpResponse.json({ code: 'Conflict', message: 'Changed by someone else' }, { status: 409 }),
      ),
      http.delete('*/api/v1/thing', () => HttpResponse.text('panic: nil map at kube.go:12', { status: 500 })),
    );
    const conflict = await apiPut('/api/v1/thing', {}).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ApiError);
    expect(conflict).toMatchObject({ status: 409, code: 'Conflict', message: 'Changed by someone else' });
    const failed = (await apiDelete('/api/v1/thing').catch((e: unknown) => e)) as ApiError;
    expect(failed).toMatchObject({ status: 500, code: 'HttpError' });
    expect(failed.message).toBe('The request failed with HTTP status 500');
  });

  it('report an unreachable server as a network error', async () => {
    server.use(http.post('*/api/v1/thing', () => HttpResponse.error()));
    const error = (await apiPost('/api/v1/thing', {}).catch((e: unknown) => e)) as ApiError;
    expect(error).toMatchObject({ status: 0, code: 'NetworkError' });
  });
});

describe('shouldRetry', () => {
  it('retries network and server errors a little, never 4xx', () => {
    const notFound = new ApiError(404, { code: 'NotFound', message: 'x' });
    const unavailable = new ApiError(503, { code: 'Unavailable', message: 'x' });
    expect(shouldRetry(0, notFound)).toBe(false);
    expect(shouldRetry(0, unavailable)).toBe(true);
    expect(shouldRetry(2, unavailable)).toBe(false);
    expect(shouldRetry(0, new TypeError('boom'))).toBe(true);
  });
});

describe('sessions', () => {
  it('sends the CSRF token on writes only, and refetches it once when the server refuses it', async () => {
    const seen: { method: string; csrf: string | null }[] = [];
    let accepted = 'first';
    const check = ({ request }: { request: Request }) => {
      const csrf = request.headers.get('x-csrf-token');
      seen.push({ method: request.method, csrf });
      return csrf === accepted || request.method === 'GET'
        ? HttpResponse.json({ ok: true })
        : HttpResponse.json({ code: 'CsrfTokenInvalid', message: 'No' }, { status: 403 });
    };
    server.use(
      http.get('*/api/v1/thing', check),
      http.post('*/api/v1/thing', check),
      http.put('*/api/v1/thing', check),
      http.patch('*/api/v1/thing', check),
      http.delete('*/api/v1/thing', check),
      http.get('*/api/v1/auth/session', () => HttpResponse.json({ ...adminSession(), csrfToken: 'second' })),
    );
    setCsrfToken('first');
    try {
      await apiGet('/api/v1/thing');
      await apiPost('/api/v1/thing', {});
      await apiPut('/api/v1/thing', {});
      await apiPatch('/api/v1/thing', {});
      await apiDelete('/api/v1/thing');
      expect(seen).toEqual([
        { method: 'GET', csrf: null },
        { method: 'POST', csrf: 'first' },
        { method: 'PUT', csrf: 'first' },
        { method: 'PATCH', csrf: 'first' },
        { method: 'DELETE', csrf: 'first' },
      ]);
      // Renewed elsewhere: the write is refused once, the token refetched, the write repeated.
      seen.length = 0;
      accepted = 'second';
      await expect(apiPost('/api/v1/thing', {})).resolves.toEqual({ ok: true });
      expect(seen).toEqual([
        { method: 'POST', csrf: 'first' },
        { method: 'POST', csrf: 'second' },
      ]);
      // A refusal that persists is an error, not a loop.
      seen.length = 0;
      accepted = 'third';
      const error = await apiPost('/api/v1/thing', {}).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 403, code: 'CsrfTokenInvalid' });
      expect(seen).toHaveLength(2);
    } finally {
      setCsrfToken(undefined);
    }
  });

  it('hands a 401 to the sign-in handler, except a wrong password on the sign-in form', async () => {
    server.use(
      http.get('*/api/v1/thing', () =>
        HttpResponse.json({ code: 'Unauthenticated', message: 'Sign in first' }, { status: 401 }),
      ),
      http.post('*/api/v1/auth/login', () =>
        HttpResponse.json({ code: 'InvalidCredentials', message: 'Wrong' }, { status: 401 }),
      ),
    );
    let calls = 0;
    const restore = onUnauthenticated(() => {
      calls += 1;
    });
    try {
      const error = await apiGet('/api/v1/thing').catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 401, code: 'Unauthenticated' });
      expect(calls).toBe(1);
      await expect(apiPost('/api/v1/auth/login', { username: 'a', password: 'b' })).rejects.toMatchObject({
        status: 401,
      });
      expect(calls).toBe(1);
    } finally {
      restore();
    }
  });

  it('builds the sign-in address with where to come back to', () => {
    expect(signInPath('/services/a@b?tab=routes')).toBe(
      '/signin?returnTo=%2Fservices%2Fa%40b%3Ftab%3Droutes',
    );
  });
});
