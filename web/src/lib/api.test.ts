// @vitest-environment jsdom
import '../test/setup';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { server } from '../test/server';
import { ApiError, apiGet, apiPath } from './api';
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

  it('rejects a success that is not JSON', async () => {
    server.use(http.get('*/api/v1/thing', () => HttpResponse.text('<html></html>')));
    const error = (await apiGet('/api/v1/thing').catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('InvalidResponse');
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
