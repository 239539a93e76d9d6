/**
 * Istio Gateway objects as a gateway workload sees them (Gateway reference; pilot/pkg/model/gateway.go
 * MergeGateways, pilot/pkg/networking/core/gateway.go buildGatewayHTTPRouteConfig).
 *
 * - A Gateway applies to the gateway workloads its `selector` labels select; with Istio's default
 *   PILOT_SCOPE_GATEWAY_TO_NAMESPACE=false the Gateway may live in any namespace. A Gateway without a
 *   selector applies to every gateway workload.
 * - The servers on the request's port (the port the gateway workload listens on, `port.number`; 8080
 *   in the Bookinfo sample) take the request; a server speaking HTTP, HTTP2, GRPC or HTTPS with TLS
 *   terminated routes by HTTP rules; a TCP server by the rules' `tcp` routes (the first rule, in the
 *   order below, with a `tcp` entry fitting the gateway). TLS passthrough (SNI) is not modelled.
 * - A server with `tls.httpsRedirect` answers every plain HTTP request for its hosts with a 301 to
 *   https (Envoy's require_tls on the virtual host).
 * - A server's `hosts` entry `ns/host` admits only VirtualServices of namespace `ns` (`*` any, `.` the
 *   Gateway's own); a bare `host` admits every namespace. A VirtualService is attached to a server when
 *   it names the server's Gateway in `gateways` and one of its hosts intersects the admitted hosts;
 *   the intersection (the narrower of two overlapping names) becomes a virtual host.
 */
import type { RawObject } from './types';
import { fields, list, num, str, stringMap, strings } from './read';

export interface GatewayServer {
  /** `ns/name` of the Gateway object. */
  gateway: string;
  gatewayNamespace: string;
  port: number;
  protocol: string;
  hosts: { namespace?: string; host: string }[];
  tlsMode?: string;
  /** `tls.httpsRedirect`: plain HTTP requests get a 301 to https. */
  httpsRedirect: boolean;
}

export interface CompiledGateway {
  key: string;
  namespace: string;
  selector: Record<string, string>;
  servers: GatewayServer[];
}

const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'HTTPS']);

export function compileGateways(
  objects: readonly RawObject[],
  byAge: (a: RawObject, b: RawObject) => number,
) {
  return [...objects].sort(byAge).map((o): CompiledGateway => {
    const spec = fields(o.spec);
    const namespace = o.metadata.namespace ?? 'default';
    const key = `${namespace}/${o.metadata.name}`;
    return {
      key,
      namespace,
      selector: stringMap(spec.selector),
      servers: list(spec.servers).flatMap((s): GatewayServer[] => {
        const f = fields(s);
        const port = num(fields(f.port).number);
        if (!port) return [];
        return [
          {
            gateway: key,
            gatewayNamespace: namespace,
            port,
            protocol: (str(fields(f.port).protocol) ?? 'HTTP').toUpperCase(),
            hosts: strings(f.hosts).map((h) => {
              const slash = h.indexOf('/');
              if (slash < 0) return { host: h.toLowerCase() };
              const ns = h.slice(0, slash);
              return { namespace: ns === '.' ? namespace : ns, host: h.slice(slash + 1).toLowerCase() };
            }),
            tlsMode: str(fields(f.tls).mode)?.toUpperCase(),
            httpsRedirect: fields(f.tls).httpsRedirect === true,
          },
        ];
      }),
    };
  });
}

/**
 * The servers, of every Gateway selecting the workload, listening on `port` for `protocol`: HTTP
 * routing for HTTP, HTTP2, GRPC and HTTPS with TLS terminated; TCP routing for TCP and MONGO servers.
 */
export function serversFor(
  gateways: readonly CompiledGateway[],
  workloadLabels: Record<string, string>,
  port: number,
  protocol: 'http' | 'tcp',
): GatewayServer[] {
  const out: GatewayServer[] = [];
  for (const gw of gateways) {
    let selected = true;
    for (const [k, v] of Object.entries(gw.selector)) if (workloadLabels[k] !== v) selected = false;
    if (!selected) continue;
    for (const s of gw.servers) {
      if (s.port !== port) continue;
      const passthrough = s.tlsMode === 'PASSTHROUGH' || s.tlsMode === 'AUTO_PASSTHROUGH';
      const http = HTTP_PROTOCOLS.has(s.protocol) && !(s.protocol === 'HTTPS' && passthrough);
      const tcp = s.protocol === 'TCP' || s.protocol === 'MONGO';
      if (protocol === 'http' ? http : tcp) out.push(s);
    }
  }
  return out;
}

/** The server's hosts a VirtualService of `namespace` may bind (host.NamesForNamespace). */
export function hostsAdmitted(server: GatewayServer, namespace: string): string[] {
  return server.hosts
    .filter((h) => h.namespace === undefined || h.namespace === '*' || h.namespace === namespace)
    .map((h) => h.host);
}
