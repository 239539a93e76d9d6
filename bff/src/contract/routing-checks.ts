import type { Protocol } from './catalog';
import type { Destination, RouteForm, RpcDialect } from './routing';

/** What the form's checks need to know of the service. */
export interface RouteServiceInfo {
  protocol: Protocol;
  dialect: RpcDialect;
  versions: { version: string | null; ready: number }[];
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
          message: `Version ${d.version} is not a version of this service`,
        });
      } else if (ready === 0 && d.weight > 0) {
        problems.push({
          field: `${path}.${i}.version`,
          message: `Version ${d.version} has no ready instance; traffic sent to it would fail`,
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
    if (rpc && (c.match.headers.length > 0 || c.match.uri || c.match.method)) {
      problems.push({
        field: at,
        message:
          'HTTP headers, URI and method do not apply to an RPC service; use the method name and attachments',
      });
    }
    if (!rpc && (c.match.rpcMethod !== undefined || c.match.attachments.length > 0)) {
      problems.push({
        field: at,
        message: 'RPC method names and attachments apply to Dubbo and SOFARPC services only',
      });
    }
    if (service.dialect === 'sofa' && rpc && c.match.attachments.some((a) => a.type === 'regex')) {
      problems.push({
        field: `${at}.attachments`,
        message: 'The sofa dialect matches attachments exactly or by prefix, not by regex',
      });
    }
  });
  return problems;
}
