import type { KubernetesObject } from '@kubernetes/client-node';
import type { Informer } from '../../../clients/informer';
import type { KubeClient } from '../../../clients/kube';
import type { KubeResource } from '../../../lib/kube-kind';
import type { Logger } from '../../../lib/logger';
import type { RawObject } from './istio/types';

/**
 * The traffic objects the mesh holds, as the control plane's informers list them: Istio's
 * VirtualServices, DestinationRules and Gateways, Gateway API HTTPRoutes and Gateways (waypoints
 * among them), Apache Dubbo's rules (VirtualServices and DestinationRules of service.dubbo.apache.org,
 * in the same lists) when served; and the Namespaces and Services whose labels enrol workloads in
 * ambient mode and name their waypoints (`istio.io/dataplane-mode`, `istio.io/use-waypoint`); the
 * zero-trust rules (security.istio.io PeerAuthentications and AuthorizationPolicies), and the Pods and
 * WorkloadEntries whose service accounts are the workloads' identities.
 */
export interface RuleSnapshot {
  virtualServices: readonly RawObject[];
  destinationRules: readonly RawObject[];
  /** Istio's Gateways and Gateway API Gateways (told apart by apiVersion). */
  gateways: readonly RawObject[];
  httpRoutes: readonly RawObject[];
  /** Namespaces (their labels); none: no namespace is ambient. */
  namespaces?: readonly RawObject[];
  /** Kubernetes Services (their labels); none: no Service names a waypoint of its own. */
  services?: readonly RawObject[];
  /** security.istio.io PeerAuthentications; none: PERMISSIVE everywhere. */
  peerAuthentications?: readonly RawObject[];
  /** security.istio.io AuthorizationPolicies; none: everything allowed. */
  authorizationPolicies?: readonly RawObject[];
  /** Pods (their `spec.serviceAccountName`); none: every Pod runs as its namespace's `default`. */
  pods?: readonly RawObject[];
  /** WorkloadEntries (their `spec.serviceAccount`). */
  workloadEntries?: readonly RawObject[];
  /** Deployments (their demo annotations, see misbehaviour.ts). */
  deployments?: readonly RawObject[];
  /** ReplicaSets: the link from a Pod to its Deployment (ownerReferences). */
  replicaSets?: readonly RawObject[];
}

/** Where the simulator reads the mesh's routing objects; `revision` changes whenever they do. */
export interface RuleSource {
  readonly revision: number;
  snapshot(): RuleSnapshot;
}

const EMPTY: RuleSnapshot = { virtualServices: [], destinationRules: [], gateways: [], httpRoutes: [] };

/** Rules held in memory (tests, benchmarks): `set` replaces the kinds it is given, as an apply would. */
export class StaticRules implements RuleSource {
  revision = 0;
  private rules: RuleSnapshot;

  constructor(rules: Partial<RuleSnapshot> = {}) {
    this.rules = { ...EMPTY, ...rules };
  }

  set(rules: Partial<RuleSnapshot>): void {
    this.rules = { ...this.rules, ...rules };
    this.revision++;
  }

  snapshot(): RuleSnapshot {
    return this.rules;
  }
}

type WatchedKind =
  | 'VirtualService'
  | 'DestinationRule'
  | 'Gateway'
  | 'HTTPRoute'
  | 'Namespace'
  | 'Service'
  | 'PeerAuthentication'
  | 'AuthorizationPolicy'
  | 'Pod'
  | 'WorkloadEntry'
  | 'Deployment'
  | 'ReplicaSet';

interface Watched {
  apiVersion: string;
  kind: WatchedKind;
  informer: Informer<KubernetesObject>;
}

const FIELD: Record<WatchedKind, keyof RuleSnapshot> = {
  VirtualService: 'virtualServices',
  DestinationRule: 'destinationRules',
  Gateway: 'gateways',
  HTTPRoute: 'httpRoutes',
  Namespace: 'namespaces',
  Service: 'services',
  PeerAuthentication: 'peerAuthentications',
  AuthorizationPolicy: 'authorizationPolicies',
  Pod: 'pods',
  WorkloadEntry: 'workloadEntries',
  Deployment: 'deployments',
  ReplicaSet: 'replicaSets',
};

/**
 * The traffic objects as the control plane has them, kept current by list-watch, each kind in the
 * version its server prefers; a kind the server does not serve is simply empty. An applied change
 * reaches the simulator with the watch event, so it shows in the traffic on the next tick.
 */
export class InformerRules implements RuleSource {
  revision = 0;
  private cached: RuleSnapshot | null = null;

  private constructor(private readonly watched: Watched[]) {
    for (const w of watched) {
      const changed = () => {
        this.cached = null;
        this.revision++;
      };
      for (const verb of ['add', 'update', 'delete'] as const) w.informer.on(verb, changed);
      // A relist after a reconnect may have missed deletions: read everything again.
      w.informer.on('connect', changed);
    }
  }

  static async start(kube: KubeClient, log: Logger): Promise<InformerRules> {
    const watched: Watched[] = [];
    const add = (group: string, version: string, kinds: [string, WatchedKind][]) => {
      for (const [plural, kind] of kinds) {
        const gvr: KubeResource = { group, version, plural };
        const apiVersion = group === '' ? version : `${group}/${version}`;
        watched.push({ apiVersion, kind, informer: kube.informer(gvr, log) });
      }
    };
    const istio = await kube.preferredVersion('networking.istio.io');
    if (istio) {
      add('networking.istio.io', istio, [
        ['virtualservices', 'VirtualService'],
        ['destinationrules', 'DestinationRule'],
        ['gateways', 'Gateway'],
        ['workloadentries', 'WorkloadEntry'],
      ]);
    } else log.warn('networking.istio.io is not served: demo traffic ignores routing rules');
    const gatewayApi = await kube.preferredVersion('gateway.networking.k8s.io');
    if (gatewayApi)
      add('gateway.networking.k8s.io', gatewayApi, [
        ['httproutes', 'HTTPRoute'],
        ['gateways', 'Gateway'],
      ]);
    const security = await kube.preferredVersion('security.istio.io');
    if (security)
      add('security.istio.io', security, [
        ['peerauthentications', 'PeerAuthentication'],
        ['authorizationpolicies', 'AuthorizationPolicy'],
      ]);
    else log.warn('security.istio.io is not served: demo traffic ignores mTLS and authorization rules');
    // Ambient enrolment and waypoints are labels on Namespaces and Services; identities are the
    // Pods' service accounts.
    add('', 'v1', [
      ['services', 'Service'],
      ['namespaces', 'Namespace'],
      ['pods', 'Pod'],
    ]);
    // The demo's misbehaviour annotations, on Pods or their Deployments (misbehaviour.ts).
    add('apps', 'v1', [
      ['deployments', 'Deployment'],
      ['replicasets', 'ReplicaSet'],
    ]);
    if ((await kube.servedVersions('service.dubbo.apache.org')).includes('v1alpha1')) {
      add('service.dubbo.apache.org', 'v1alpha1', [
        ['virtualservices', 'VirtualService'],
        ['destinationrules', 'DestinationRule'],
      ]);
    }
    const rules = new InformerRules(watched);
    await Promise.all(watched.map((w) => w.informer.start()));
    return rules;
  }

  snapshot(): RuleSnapshot {
    if (!this.cached) {
      const out: Required<Record<keyof RuleSnapshot, RawObject[]>> = {
        virtualServices: [],
        destinationRules: [],
        gateways: [],
        httpRoutes: [],
        namespaces: [],
        services: [],
        peerAuthentications: [],
        authorizationPolicies: [],
        pods: [],
        workloadEntries: [],
        deployments: [],
        replicaSets: [],
      };
      for (const w of this.watched) {
        // A list's items may come without apiVersion and kind; the engine needs them.
        for (const o of w.informer.list())
          out[FIELD[w.kind]].push({
            ...o,
            apiVersion: o.apiVersion ?? w.apiVersion,
            kind: o.kind ?? w.kind,
          } as RawObject);
      }
      this.cached = out;
    }
    return this.cached;
  }

  async stop(): Promise<void> {
    await Promise.all(this.watched.map((w) => w.informer.stop()));
  }
}
