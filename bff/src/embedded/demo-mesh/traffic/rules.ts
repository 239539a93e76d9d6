import type { KubernetesObject, ListWatch } from '@kubernetes/client-node';
import type { KubeClient } from '../../../clients/kube';
import type { KubeResource } from '../../../lib/kube-kind';
import type { Logger } from '../../../lib/logger';
import type { MeshObject } from '../../../mesh/istio-types';
import type { RuleSnapshot } from './routes';

/** Where the simulator reads the mesh's routing objects; `revision` changes whenever they do. */
export interface RuleSource {
  readonly revision: number;
  snapshot(): RuleSnapshot;
}

/** Rules held in memory (tests, benchmarks): `set` replaces them, as an apply would. */
export class StaticRules implements RuleSource {
  revision = 0;
  private rules: RuleSnapshot;

  constructor(rules: Partial<RuleSnapshot> = {}) {
    this.rules = {
      virtualServices: rules.virtualServices ?? [],
      destinationRules: rules.destinationRules ?? [],
    };
  }

  set(rules: Partial<RuleSnapshot>): void {
    this.rules = { ...this.rules, ...rules };
    this.revision++;
  }

  snapshot(): RuleSnapshot {
    return this.rules;
  }
}

interface Watched {
  gvr: KubeResource;
  apiVersion: string;
  kind: 'VirtualService' | 'DestinationRule';
  informer: ListWatch<KubernetesObject>;
}

/**
 * The routing objects as the control plane has them, kept current by list-watch: Istio's
 * VirtualServices and DestinationRules (the version the server prefers) and, when the server serves
 * them, Apache Dubbo's. An applied change reaches the simulator with the watch event, so it shows in
 * the traffic on the next tick.
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
    const add = (group: string, version: string) => {
      for (const [plural, kind] of [
        ['virtualservices', 'VirtualService'],
        ['destinationrules', 'DestinationRule'],
      ] as const) {
        const gvr = { group, version, plural };
        watched.push({ gvr, apiVersion: `${group}/${version}`, kind, informer: kube.informer(gvr, log) });
      }
    };
    const istio = await kube.preferredVersion('networking.istio.io');
    if (istio) add('networking.istio.io', istio);
    else log.warn('networking.istio.io is not served: demo traffic ignores routing rules');
    if ((await kube.servedVersions('service.dubbo.apache.org')).includes('v1alpha1')) {
      add('service.dubbo.apache.org', 'v1alpha1');
    }
    const rules = new InformerRules(watched);
    await Promise.all(watched.map((w) => w.informer.start()));
    return rules;
  }

  snapshot(): RuleSnapshot {
    if (!this.cached) {
      const of = (kind: Watched['kind']) =>
        this.watched
          .filter((w) => w.kind === kind)
          .flatMap((w) =>
            // A list's items may come without apiVersion and kind; the reader needs them to pick the dialect.
            w.informer
              .list()
              .map(
                (o) =>
                  ({ ...o, apiVersion: o.apiVersion ?? w.apiVersion, kind: o.kind ?? w.kind }) as MeshObject,
              ),
          );
      this.cached = { virtualServices: of('VirtualService'), destinationRules: of('DestinationRule') };
    }
    return this.cached;
  }

  async stop(): Promise<void> {
    await Promise.all(this.watched.map((w) => w.informer.stop()));
  }
}
