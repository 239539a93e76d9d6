import type { Protocol } from '../../../contract/catalog';
import type { RouteMatch, StringMatch } from '../../../contract/routing';

/**
 * The kinds of request the demo's callers send, with their share of the traffic. Routing conditions
 * are evaluated per kind, so a rule like "header end-user = jason → v2" or "method sayHello with
 * attachment tag = gray → 1.1" catches exactly its share. The values are the ones a demo operator
 * would try (bookinfo's `end-user: jason`, a `x-canary` header, the talk's `sayHello`).
 */
export interface RequestKind {
  share: number;
  method?: string;
  uri?: string;
  headers: Record<string, string>;
  rpcMethod?: string;
  attachments: Record<string, string>;
}

const HTTP_KINDS: RequestKind[] = [
  { share: 0.6, method: 'GET', uri: '/api/v1/items', headers: {}, attachments: {} },
  { share: 0.15, method: 'POST', uri: '/api/v1/orders', headers: {}, attachments: {} },
  { share: 0.15, method: 'GET', uri: '/api/v1/items', headers: { 'end-user': 'jason' }, attachments: {} },
  { share: 0.1, method: 'GET', uri: '/api/v2/items', headers: { 'x-canary': 'true' }, attachments: {} },
];

const GRPC_KINDS: RequestKind[] = [
  { share: 0.7, method: 'POST', uri: '/demo.Service/Get', headers: {}, attachments: {} },
  { share: 0.2, method: 'POST', uri: '/demo.Service/List', headers: {}, attachments: {} },
  { share: 0.1, method: 'POST', uri: '/demo.Service/Get', headers: { 'x-canary': 'true' }, attachments: {} },
];

const RPC_KINDS: RequestKind[] = [
  { share: 0.5, rpcMethod: 'sayHello', headers: {}, attachments: {} },
  { share: 0.3, rpcMethod: 'query', headers: {}, attachments: {} },
  { share: 0.1, rpcMethod: 'update', headers: {}, attachments: {} },
  { share: 0.1, rpcMethod: 'sayHello', headers: {}, attachments: { tag: 'gray' } },
];

export function requestKinds(protocol: Protocol): RequestKind[] {
  if (protocol === 'dubbo' || protocol === 'sofarpc') return RPC_KINDS;
  if (protocol === 'grpc') return GRPC_KINDS;
  return HTTP_KINDS;
}

const regexCache = new Map<string, RegExp | null>();

function compiled(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      // Istio's regex is RE2 and must match the whole value.
      re = new RegExp(`^(?:${pattern})$`);
    } catch {
      re = null;
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

function stringMatches(m: StringMatch, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (m.type === 'exact') return value === m.value;
  if (m.type === 'prefix') return value.startsWith(m.value);
  return compiled(m.value)?.test(value) ?? false;
}

/** Whether a request of this kind from a workload with `sourceLabels` meets every condition of a match. */
export function matches(match: RouteMatch, kind: RequestKind, sourceLabels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(match.sourceLabels)) if (sourceLabels[k] !== v) return false;
  for (const h of match.headers) if (!stringMatches(h, kind.headers[h.name.toLowerCase()])) return false;
  if (match.uri && !stringMatches(match.uri, kind.uri)) return false;
  if (match.method && !stringMatches(match.method, kind.method)) return false;
  if (match.rpcMethod !== undefined && match.rpcMethod !== kind.rpcMethod) return false;
  for (const a of match.attachments) if (!stringMatches(a, kind.attachments[a.name])) return false;
  return true;
}
