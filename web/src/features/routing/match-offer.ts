import type { ServiceDetail } from '../../lib/contract';
import type { StringMatchType } from './contract';
import { isRpcProtocol } from './draft';
import type { RouteApiName } from './validation';

/** Where the form writes the rule: which API, and which of its kinds. */
export interface RouteApiMode {
  api: RouteApiName;
  /** VirtualService, HTTPRoute, GRPCRoute, TCPRoute (or an RPC dialect's kind). */
  kind: string;
}

const ALL: readonly StringMatchType[] = ['exact', 'prefix', 'regex'];
const EXACT_OR_REGEX: readonly StringMatchType[] = ['exact', 'regex'];
const EXACT_OR_PREFIX: readonly StringMatchType[] = ['exact', 'prefix'];
const EXACT: readonly StringMatchType[] = ['exact'];

/** The match types a field offers; null: the rule's kind cannot match on it. */
type Offered = readonly StringMatchType[] | null;

/** The conditions a rule's kind can express, and their match types. */
export interface MatchOffer {
  headers: Offered;
  /** The request path (a GRPCRoute's `/package.Service/Method`). */
  uri: Offered;
  /** The HTTP method. */
  method: Offered;
  queryParams: Offered;
  /** The RPC method: Dubbo's and SOFARPC's method name, or a GRPCRoute's gRPC method name. */
  rpcMethod: 'rpc' | 'grpc' | null;
  /** Dubbo's and SOFARPC's attachments. */
  attachments: boolean;
  /** The labels of the calling workload (a VirtualService's sourceLabels). */
  sourceLabels: boolean;
  /**
   * The Gateway API tries the most specific condition first, not the first in order, so a
   * catch-all hides nothing after it.
   */
  specificFirst: boolean;
}

/**
 * What the conditions editor offers. A VirtualService matches HTTP fields (or, for Dubbo and
 * SOFARPC, the method name and attachments) and the caller's labels. An HTTPRoute matches the path,
 * the method (by name), headers and query parameters (exactly or by regular expression); it cannot
 * name the caller. A GRPCRoute matches the gRPC service and method (as the path
 * `/package.Service/Method`, `/package.Service/` or a method name) and headers.
 */
export function matchOffer(protocol: ServiceDetail['protocol'], mode: RouteApiMode): MatchOffer {
  if (mode.api === 'gateway-api') {
    const grpc = mode.kind === 'GRPCRoute';
    return {
      headers: EXACT_OR_REGEX,
      uri: grpc ? EXACT_OR_PREFIX : ALL,
      method: grpc ? null : EXACT,
      queryParams: grpc ? null : EXACT_OR_REGEX,
      rpcMethod: grpc ? 'grpc' : null,
      attachments: false,
      sourceLabels: false,
      specificFirst: true,
    };
  }
  const rpc = isRpcProtocol(protocol);
  return {
    headers: rpc ? null : ALL,
    uri: rpc ? null : ALL,
    method: rpc ? null : ALL,
    queryParams: rpc ? null : ALL,
    rpcMethod: rpc ? 'rpc' : null,
    attachments: rpc,
    sourceLabels: true,
    specificFirst: false,
  };
}

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io/';
const GATEWAY_API_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TCPRoute']);

/** An object of the Kubernetes Gateway API (an HTTPRoute, GRPCRoute or TCPRoute). */
export const isGatewayApiRef = (ref: { apiVersion: string; kind: string }) =>
  ref.apiVersion.startsWith(GATEWAY_API_GROUP) || GATEWAY_API_KINDS.has(ref.kind);
