import type { Logger } from 'pino';
import type { RequestAuth } from '../auth/request-auth';
import type { ResourceRegistry } from '../registry/registry';
import type { ResourceStore } from '../store/resource-store';
import type { OpenApiV3 } from './openapi';

/** What every request handler needs; one per running server. */
export interface ApiContext {
  store: ResourceStore;
  registry: ResourceRegistry;
  openapi: OpenApiV3;
  logger: Logger;
  token: string;
  /** Who a request is (bearer token, impersonation) and whether RBAC lets it. */
  auth: RequestAuth;
  startedAt: Date;
  bookmarkIntervalMs: number;
  /** Closers of the open watches, so shutting down ends them cleanly. */
  watches: Set<() => void>;
}
