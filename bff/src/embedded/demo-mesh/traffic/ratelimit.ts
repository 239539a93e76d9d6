import type { KubeClient } from '../../../clients/kube';
import type { KubeObject } from '../../../clients/mesh-objects';
import { UNIT_SECONDS, isEmptyMatch } from '../../../contract/ratelimit';
import type { RateLimitForm } from '../../../contract/ratelimit';
import type { CatalogSource } from '../../../features/catalog/catalog';
import { routeTarget } from '../../../features/routing/target';
import type { Logger } from '../../../lib/logger';
import type { MeshObject } from '../../../mesh/istio-types';
import { SERVICE_ANNOTATION } from '../../../mesh/model';
import { RATELIMIT_LABEL, readRateLimit, ruleOf } from '../../../mesh/ratelimit';
import type { ConfigMapObject } from '../../../mesh/ratelimit';
import type { AdmissionPolicy, Flow, LimitDecision, TickInfo } from './pipeline';

/** A rule as the sidecars enforce it: a token bucket refilled at `ratePerSecond`, holding at most `capacity`. */
export interface EnforcedLimit {
  rule: string;
  serviceId: string;
  version?: string | undefined;
  /** Per instance (each sidecar its own bucket) or global (one bucket for every instance). */
  scope: 'instance' | 'global';
  ratePerSecond: number;
  capacity: number;
  /** Shadow mode: counted, never refused. */
  shadow: boolean;
  status: number;
}

/**
 * The limits of the console's rules, from their EnvoyFilters (and descriptor ConfigMaps): enabled
 * rules without a match only, since the simulator's requests carry no path, method or header.
 */
export function enforcedLimits(
  filters: readonly MeshObject[],
  configs: readonly ConfigMapObject[],
  catalog: CatalogSource,
): EnforcedLimit[] {
  const out: EnforcedLimit[] = [];
  for (const filter of filters) {
    const rule = ruleOf(filter);
    const serviceId = filter.metadata.annotations?.[SERVICE_ANNOTATION];
    if (!rule || !serviceId) continue;
    const service = catalog.get(serviceId);
    if (!service) continue;
    const config = configs.find(
      (c) =>
        c.metadata.namespace === filter.metadata.namespace &&
        c.metadata.labels?.[RATELIMIT_LABEL] === rule &&
        c.metadata.annotations?.[SERVICE_ANNOTATION] === serviceId,
    );
    const form: RateLimitForm | null = readRateLimit(filter, config, routeTarget(service));
    if (!form || !form.enabled || !isEmptyMatch(form.match)) continue;
    const seconds = UNIT_SECONDS[form.limit.unit] * (form.limit.window ?? 1);
    out.push({
      rule,
      serviceId,
      version: form.version,
      scope: form.scope,
      ratePerSecond: form.limit.requests / seconds,
      capacity: form.limit.requests + (form.burst ?? 0),
      shadow: form.shadow,
      status: form.response.status,
    });
  }
  return out;
}

interface Bucket {
  tokens: number;
  lastMs: number;
}

/**
 * The demo mesh's sidecars enforcing the console's rate limits: a token bucket per rule and instance
 * (per-instance rules, Envoy's local rate limit) or per rule (global rules, the ratelimit service),
 * refilled by the time elapsed. Requests beyond the tokens are refused with the rule's status, which
 * the simulator reports as Istio does (response_flags "RL"); in shadow mode they are only counted.
 */
export class RateLimitAdmission implements AdmissionPolicy {
  private limits: EnforcedLimit[] = [];
  private readonly buckets = new Map<string, Bucket>();
  /** Requests a shadow-mode rule would have refused, per rule (what Envoy's stats would count). */
  readonly shadowLimited = new Map<string, number>();
  private readonly statusOf = new Map<string, number>();
  private lastDecisions: LimitDecision[] = [];

  setLimits(limits: EnforcedLimit[]): void {
    this.limits = limits;
    const live = new Set(limits.map((l) => `${l.serviceId}\u0000${l.rule}`));
    for (const key of this.buckets.keys()) {
      if (!live.has(key.split('\u0001')[0] as string)) this.buckets.delete(key);
    }
  }

  beginTick(_tick: TickInfo): void {
    this.statusOf.clear();
  }

  private take(limit: EnforcedLimit, key: string, count: number, nowMs: number): number {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: limit.capacity, lastMs: nowMs };
      this.buckets.set(key, bucket);
    } else {
      const dt = Math.max(0, (nowMs - bucket.lastMs) / 1000);
      bucket.tokens = Math.min(limit.capacity, bucket.tokens + dt * limit.ratePerSecond);
      bucket.lastMs = nowMs;
    }
    const admitted = Math.min(count, Math.floor(bucket.tokens));
    bucket.tokens -= admitted;
    return admitted;
  }

  admit(flow: Flow, count: number, tick: TickInfo): number {
    let admitted = count;
    this.lastDecisions = [];
    for (const limit of this.limits) {
      if (limit.serviceId !== flow.serviceId) continue;
      if (limit.version !== undefined && limit.version !== flow.version) continue;
      const ruleKey = `${limit.serviceId}\u0000${limit.rule}`;
      const key = limit.scope === 'instance' ? `${ruleKey}\u0001${flow.instance}` : ruleKey;
      const passed = this.take(limit, key, admitted, tick.nowMs);
      if (passed < admitted)
        this.lastDecisions.push({
          rule: limit.rule,
          rateLimited: admitted - passed,
          enforced: limit.shadow ? 0 : admitted - passed,
        });
      if (limit.shadow) {
        this.shadowLimited.set(limit.rule, (this.shadowLimited.get(limit.rule) ?? 0) + admitted - passed);
        continue;
      }
      if (passed < admitted) this.statusOf.set(`${flow.serviceId}\u0000${flow.instance}`, limit.status);
      admitted = passed;
    }
    return admitted;
  }

  decisions(): readonly LimitDecision[] {
    return this.lastDecisions;
  }

  limitedStatus(flow: Flow): number | undefined {
    return this.statusOf.get(`${flow.serviceId}\u0000${flow.instance}`);
  }
}

/**
 * Keeps a RateLimitAdmission current with the control plane: the console's EnvoyFilters and
 * descriptor ConfigMaps, re-read every `intervalMs` through the Kubernetes API.
 */
export async function watchRateLimits(options: {
  kube: KubeClient;
  catalog: CatalogSource;
  log: Logger;
  intervalMs?: number;
}): Promise<{ admission: RateLimitAdmission; stop(): void }> {
  const admission = new RateLimitAdmission();
  const { kube, catalog, log } = options;
  const refresh = async () => {
    try {
      const [filters, configs] = await Promise.all([
        kube.custom.listClusterCustomObject({
          group: 'networking.istio.io',
          version: 'v1alpha3',
          plural: 'envoyfilters',
        }) as Promise<{ items?: KubeObject[] }>,
        kube.core.listConfigMapForAllNamespaces({ labelSelector: RATELIMIT_LABEL }),
      ]);
      const cms = JSON.parse(JSON.stringify(configs.items)) as ConfigMapObject[];
      admission.setLimits(enforcedLimits((filters.items ?? []) as MeshObject[], cms, catalog));
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not read rate limits');
    }
  };
  await refresh();
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void refresh().finally(() => {
      running = false;
    });
  }, options.intervalMs ?? 2000);
  timer.unref();
  return { admission, stop: () => clearInterval(timer) };
}
