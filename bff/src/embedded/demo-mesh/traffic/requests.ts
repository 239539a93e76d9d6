import type { Protocol } from '../../../contract/catalog';

/**
 * A kind of request a caller sends, with its share of the caller's traffic. Routing is decided per
 * kind, so a rule like "header end-user = jason → v2" catches exactly its share. The demo's own
 * applications send the kinds a demo operator would try (bookinfo's `end-user: jason`, an
 * `x-canary` header, the talk's `sayHello`); Istio's sample applications send their own (samples.ts).
 */
export interface RequestKind {
  share: number;
  method?: string;
  /** Path with query, e.g. /productpage */
  path?: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  rpcMethod?: string;
  attachments?: Record<string, string>;
}

const HTTP_KINDS: RequestKind[] = [
  { share: 0.6, method: 'GET', path: '/api/v1/items', headers: {} },
  { share: 0.15, method: 'POST', path: '/api/v1/orders', headers: {} },
  { share: 0.15, method: 'GET', path: '/api/v1/items', headers: { 'end-user': 'jason' } },
  { share: 0.1, method: 'GET', path: '/api/v2/items', headers: { 'x-canary': 'true' } },
];

const GRPC_KINDS: RequestKind[] = [
  { share: 0.7, method: 'POST', path: '/demo.Service/Get', headers: {} },
  { share: 0.2, method: 'POST', path: '/demo.Service/List', headers: {} },
  { share: 0.1, method: 'POST', path: '/demo.Service/Get', headers: { 'x-canary': 'true' } },
];

const RPC_KINDS: RequestKind[] = [
  { share: 0.5, rpcMethod: 'sayHello', headers: {} },
  { share: 0.3, rpcMethod: 'query', headers: {} },
  { share: 0.1, rpcMethod: 'update', headers: {} },
  { share: 0.1, rpcMethod: 'sayHello', headers: {}, attachments: { tag: 'gray' } },
];

/** The kinds of request the demo's own applications send to a service of this protocol. */
export function requestKinds(protocol: Protocol): RequestKind[] {
  if (protocol === 'dubbo' || protocol === 'sofarpc') return RPC_KINDS;
  if (protocol === 'grpc') return GRPC_KINDS;
  if (protocol === 'tcp') return [{ share: 1, headers: {} }];
  return HTTP_KINDS;
}

/** The headers of `incoming` an application copies onto the calls it makes (its propagation list). */
export function propagated(
  incoming: Record<string, string>,
  names: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = incoming[n];
    if (v !== undefined) out[n] = v;
  }
  return out;
}

/** A stable key of a header set (for caches). */
export function headersKey(headers: Record<string, string>): string {
  return Object.keys(headers)
    .sort()
    .map((k) => `${k}=${headers[k]}`)
    .join('&');
}
