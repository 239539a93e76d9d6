import { QueryClient } from '@tanstack/react-query';
import type { DefaultOptions } from '@tanstack/react-query';
import { isApiError } from './api';

const MAX_RETRIES = 2;

/** Retries what may be transient (network, 5xx), never a request the server rejected (4xx). */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (isApiError(error) && error.isClientError) return false;
  return failureCount < MAX_RETRIES;
}

/** The app's one QueryClient (tests make their own, usually with `retry: false`). */
export function createQueryClient(queries: DefaultOptions['queries'] = {}): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: shouldRetry,
        staleTime: 15_000,
        ...queries,
      },
    },
  });
}
