import type { Protocol } from './catalog';
import { contractMessage as msg } from './messages';
import type { Destination, RouteForm, RpcDialect } from './routing';

/** What the form's checks need to know of the service. */
export interface RouteServiceInfo {
  protocol: Protocol;
  dialect: RpcDialect;
  versions: { version: string | null; ready: number }[];
  /**
   * The route API the rule is written with. A gRPC service routed with the Gateway API takes a
   * method condition (a GRPCRoute's `method`); Istio's HTTP routes have no such field.
   */
  routeApi?: 'istio' | 'gateway-api';
}

export interface FieldProblem {
  field: string;
  message: string;
}

const isRpc = (p: Protocol) => p === 'dubbo' || p === 'sofarpc';

/**
 * The checks that need the service: versions that exist and have ready instances (a route to a
 * version without instances black-holes traffic, and a subset without instances is what Kiali
 * leaves behind), and match fields that make sense for the protocol and dialect. The form runs
 * them as the operator types; the BFF runs them again before writing.
 */
export function checkRouteForService(form: RouteForm, service: RouteServiceInfo): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const known = new Map(
    service.versions.flatMap((v) => (v.version === null ? [] : [[v.version, v.ready] as const])),
  );
  const checkDests = (dests: Destination[], path: string) => {
    dests.forEach((d, i) => {
      const ready = known.get(d.version);
      if (ready === undefined) {
        problems.push({
          field: `${path}.${i}.version`,
          message: msg('routing.versionUnknown', { version: d.version }),
        });
      } else if (ready === 0 && d.weight > 0) {
        problems.push({
          field: `${path}.${i}.version`,
          message: msg('routing.versionNotReady', { version: d.version }),
        });
      }
    });
  };
  checkDests(form.destinations, 'destinations');
  if (form.routeType !== 'condition') return problems;
  const rpc = isRpc(service.protocol);
  form.matches.forEach((c, i) => {
    const at = `matches.${i}.match`;
    checkDests(c.destinations, `matches.${i}.destinations`);
    if (
      rpc &&
      (c.match.headers.length > 0 || c.match.queryParams.length > 0 || c.match.uri || c.match.method)
    ) {
      problems.push({
        field: at,
        message: msg('routing.httpMatchOnRpc'),
      });
    }
    const grpcMethod = service.protocol === 'grpc' && service.routeApi === 'gateway-api';
    if (!rpc && ((c.match.rpcMethod !== undefined && !grpcMethod) || c.match.attachments.length > 0)) {
      problems.push({
        field: at,
        message: msg('routing.rpcMatchOnHttp'),
      });
    }
    if (service.dialect === 'sofa' && rpc && c.match.attachments.some((a) => a.type === 'regex')) {
      problems.push({
        field: `${at}.attachments`,
        message: msg('routing.sofaAttachmentRegex'),
      });
    }
  });
  return problems;
}
