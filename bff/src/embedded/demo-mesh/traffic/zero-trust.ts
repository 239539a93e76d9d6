import {
  acceptsConnection,
  authorize,
  ClientTlsIndex,
  policiesAt,
  principalOf,
  resolveMtls,
} from './istio/security';
import type { Enforcer, MtlsMode, WorkloadRef } from './istio/security';
import type { RawObject } from './istio/types';
import { DEFAULT_SERVICE_ACCOUNT } from './mesh-config';
import type { SecurityConfig } from './mesh-config';

/*
 * The simulator's use of the zero-trust judge (istio/security.ts): identities from the Pods' service
 * accounts, the mTLS a connection ends up with, and what the enforcing proxy does with a request.
 */

/** What happens to requests of one caller at one destination version. */
export interface Gate {
  /**
   * ok: served; denied: 403 from the enforcing proxy (an AuthorizationPolicy; `flags` UAEX for CUSTOM);
   * reset: the connection is closed (a plaintext caller of a STRICT port, or ztunnel's L4 refusal).
   */
  outcome: 'ok' | 'denied' | 'reset';
  flags: string;
  /** The destination received the requests over Istio's mutual TLS. */
  mtls: boolean;
}

export const GATE_MTLS: Gate = Object.freeze({ outcome: 'ok', flags: '-', mtls: true }) as Gate;
export const GATE_PLAINTEXT: Gate = Object.freeze({ outcome: 'ok', flags: '-', mtls: false }) as Gate;

/** The caller of a request group, as the judge needs it. */
interface Caller {
  workload: WorkloadRef;
  /** cluster.local/ns/<ns>/sa/<sa>; null without identity. */
  principal: string | null;
  /** Whether it has a proxy (sidecar, gateway, or ztunnel in ambient mode) that speaks Istio mTLS. */
  proxy: boolean;
  /** Ambient: ztunnel carries its traffic (HBONE, always mTLS; DestinationRule tls does not apply). */
  ambient: boolean;
}

/** Where the request goes and how it travels there. */
export interface Destination {
  workload: WorkloadRef;
  /** The port the workload receives on (PeerAuthentication and `ports` rules). */
  targetPort: number;
  /** The service port addressed (DestinationRule port-level settings). */
  servicePort: number;
  host: string;
  serviceNamespace: string;
  serviceName: string | null;
  subset: string | undefined;
  /** Ambient pods: ztunnel receives (it ignores DISABLE; it enforces L4 only). */
  ambient: boolean;
  tcp: boolean;
  /** The waypoint (namespace/name) the request passes through, or null. */
  waypoint: string | null;
}

interface RequestShape {
  method?: string;
  path?: string;
  headers: Record<string, string>;
}

export class ZeroTrust {
  /** Whether anything can change a request's fate: without rules every proxy-to-proxy call is mTLS and allowed. */
  readonly active: boolean;
  private readonly tls: ClientTlsIndex | null;
  private readonly applicable = new Map<string, RawObject[]>();

  constructor(
    private readonly config: SecurityConfig,
    destinationRules: readonly RawObject[],
  ) {
    const withTls = destinationRules.some((r) => JSON.stringify(r.spec ?? {}).includes('"tls"'));
    this.tls = withTls ? new ClientTlsIndex(destinationRules, config.rootNamespace) : null;
    this.active = withTls || config.peerAuthentications.length > 0 || config.authorizationPolicies.length > 0;
  }

  /** The identity of a Pod or WorkloadEntry, by namespace and name. */
  principal(namespace: string, name: string): string {
    const sa = this.config.serviceAccounts.get(`${namespace}/${name}`) ?? DEFAULT_SERVICE_ACCOUNT;
    return principalOf(namespace, sa);
  }

  /** The fate of requests of `kind` from `caller` to `dest`. */
  gate(caller: Caller, dest: Destination, request: RequestShape): Gate {
    const plain = caller.proxy ? GATE_MTLS : GATE_PLAINTEXT;
    if (!this.active) return plain;
    const root = this.config.rootNamespace;
    // A waypoint: the caller's ztunnel (or gateway) reaches it over HBONE; it enforces the policies
    // whose targetRefs name it or the Service, then the destination's ztunnel sees the waypoint's identity.
    if (dest.waypoint) {
      const [wns, wname] = dest.waypoint.split('/') as [string, string];
      const enforcer: Enforcer = {
        kind: 'waypoint',
        gateway: { namespace: wns, name: wname },
        service: dest.serviceName ? { namespace: dest.serviceNamespace, name: dest.serviceName } : null,
      };
      const at = this.decide(enforcer, {
        principal: caller.proxy ? caller.principal : null,
        port: dest.targetPort,
        host: dest.host,
        ...request,
      });
      if (at !== 'ok') return { outcome: 'denied', flags: at === 'custom' ? 'UAEX' : '-', mtls: true };
      const l4 = this.decide(
        { kind: 'ztunnel', workload: dest.workload },
        { principal: principalOf(wns, wname), port: dest.targetPort },
      );
      return l4 === 'ok' ? GATE_MTLS : { outcome: 'reset', flags: 'UC', mtls: true };
    }
    let mode: MtlsMode = resolveMtls(
      this.config.peerAuthentications,
      root,
      dest.workload,
      dest.targetPort,
    ).mode;
    // ztunnel always speaks HBONE; it ignores DISABLE.
    if (dest.ambient && mode === 'DISABLE') mode = 'PERMISSIVE';
    const sends = !caller.proxy
      ? 'plaintext'
      : caller.ambient || !this.tls
        ? 'istio'
        : this.tls.clientTls(
            caller.workload,
            dest.host,
            dest.serviceNamespace,
            dest.subset,
            dest.servicePort,
            {
              proxy: true,
              mode,
            },
          ).sends;
    const accepted = acceptsConnection(mode, sends);
    if (accepted === 'refused') return { outcome: 'reset', flags: 'UC', mtls: false };
    const mtls = accepted === 'mutual_tls';
    const enforcer: Enforcer = dest.ambient
      ? { kind: 'ztunnel', workload: dest.workload }
      : { kind: 'sidecar', workload: dest.workload, tcp: dest.tcp };
    const verdict = this.decide(enforcer, {
      principal: mtls ? caller.principal : null,
      port: dest.targetPort,
      host: dest.host,
      ...request,
    });
    if (verdict === 'ok') return mtls ? GATE_MTLS : GATE_PLAINTEXT;
    // ztunnel closes the connection; a sidecar answers 403.
    if (dest.ambient) return { outcome: 'reset', flags: 'UC', mtls };
    return { outcome: 'denied', flags: verdict === 'custom' ? 'UAEX' : '-', mtls };
  }

  private decide(enforcer: Enforcer, request: Parameters<typeof authorize>[2]): 'ok' | 'denied' | 'custom' {
    const key =
      enforcer.kind === 'waypoint'
        ? `w|${enforcer.gateway.namespace}/${enforcer.gateway.name}|${enforcer.service?.namespace ?? ''}/${enforcer.service?.name ?? ''}`
        : `${enforcer.kind}|${enforcer.workload.namespace}|${JSON.stringify(enforcer.workload.labels)}|${enforcer.kind === 'sidecar' && enforcer.tcp ? 't' : ''}`;
    let applicable = this.applicable.get(key);
    if (!applicable) {
      applicable = policiesAt(this.config.authorizationPolicies, this.config.rootNamespace, enforcer);
      this.applicable.set(key, applicable);
    }
    if (applicable.length === 0) return 'ok';
    const d = authorize(applicable, enforcer, request);
    return d.allowed ? 'ok' : d.by === 'CUSTOM' ? 'custom' : 'denied';
  }
}
