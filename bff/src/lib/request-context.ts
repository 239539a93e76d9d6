import { AsyncLocalStorage } from 'node:async_hooks';
import type { Principal } from './principal';

/** A change a feature recorded while serving the request (for the audit record's diff). */
export interface NotedChange {
  kind: string;
  name: string;
  diff: string;
  /** The revision that records the change: its audit record is named after it (journal.ts). */
  revision?: { namespace: string; name: string };
}

/**
 * What the code serving one request may need to know without it being passed through every
 * signature: who is asking (for the audit trail, `userOf(req)` and Kubernetes impersonation) and
 * what changed.
 */
export interface RequestContext {
  principal: Principal | null;
  changes: NotedChange[];
  /** What the request did, in words, for its audit record (a release's decisions). */
  messages?: string[];
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** Runs `fn` as `principal` (tests, scripts). */
export function runAs<T>(principal: Principal | null, fn: () => T): T {
  return storage.run({ principal, changes: [] }, fn);
}

export function requestContext(): RequestContext | undefined {
  return storage.getStore();
}

export function currentPrincipal(): Principal | null {
  return storage.getStore()?.principal ?? null;
}

/** Records a change for the current request's audit record; outside a request it does nothing. */
export function noteChange(change: NotedChange): void {
  storage.getStore()?.changes.push(change);
}
