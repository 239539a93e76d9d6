import type { ServiceDetail } from '../contract/catalog';
import type { ConfigCheck, ConfigCheckCode, ConfigSeverity } from '../contract/istio-config';
import { contractMessage } from '../contract/messages';
import type { ContractMessageKey, MessageValues } from '../contract/messages';
import { hostName, qualifyHost } from './hosts';
import type { MeshObject } from './istio-types';
import {
  appliesAtOf,
  destinationsOf,
  exportToOf,
  hostMatches,
  namespaceOf,
  qualifyGateway,
  ruleScope,
  visibleTo,
} from './rule-scope';
import type { MeshConfigObjects, RuleScope } from './rule-scope';
import { isRecord, records, stringList, unique } from './json';

/**
 * Checks over every routing object of the mesh, in the manner of Kiali's validations
 * (kiali/business/checkers) and judged as istiod decides (`rule-scope.ts`): what fails traffic
 * (a subset no DestinationRule defines, a gateway that does not exist, a route to no service),
 * what is ignored (a second VirtualService on a mesh host, a duplicate subset, a route after a
 * catch-all, a name istiod takes as written), and what hides a rule from its callers. Pure.
 */

/** A catalog service as the checks need it: its host, namespace and instances with their labels. */
export type CheckedService = Pick<ServiceDetail, 'id' | 'name' | 'namespace' | 'host' | 'providers'>;

export interface MeshConfigInput extends MeshConfigObjects {
  envoyFilters?: readonly MeshObject[];
}

export interface CheckOptions {
  /** The namespaces whose workloads call a service, by its host, when known (telemetry). */
  callers?: ReadonlyMap<string, readonly string[]>;
}

export interface CheckedObject {
  object: MeshObject;
  /** The catalog services the object applies to. */
  services: CheckedService[];
  checks: ConfigCheck[];
}

const key = (o: MeshObject) => `${o.kind}/${namespaceOf(o)}/${o.metadata.name}`;
const label = (o: MeshObject) => `${namespaceOf(o)}/${o.metadata.name}`;

/** Every object of the input with its services and checks, in input order (kind by kind). */
export function checkMeshConfig(
  input: MeshConfigInput,
  catalog: readonly CheckedService[],
  options: CheckOptions = {},
): CheckedObject[] {
  const all: MeshObject[] = [
    ...input.virtualServices,
    ...input.destinationRules,
    ...(input.gateways ?? []),
    ...(input.serviceEntries ?? []),
    ...(input.envoyFilters ?? []),
  ];
  const results = new Map<string, CheckedObject>(
    all.map((o) => [key(o), { object: o, services: [], checks: [] }]),
  );
  const add = (o: MeshObject, check: ConfigCheck) => {
    const entry = results.get(key(o));
    if (!entry) return;
    const same = (c: ConfigCheck) =>
      c.code === check.code && c.path === check.path && c.message === check.message;
    if (!entry.checks.some(same)) entry.checks.push(check);
  };
  const ctx = new Context(input, catalog, options);

  // Which services each object applies to, and the scope of each service.
  for (const service of catalog) {
    const scope = ctx.scopeOf(service.host);
    const objects = [
      ...scope.virtualServices.map((v) => v.object),
      ...scope.virtualServices.flatMap((v) =>
        v.delegates.flatMap((d) => (d.object && !d.problem ? [d.object] : [])),
      ),
      ...scope.destinationRules.matching.map((d) => d.object),
      ...scope.serviceEntries.map((s) => s.object),
    ];
    for (const o of objects) {
      const entry = results.get(key(o));
      if (entry && !entry.services.includes(service)) entry.services.push(service);
    }
  }
  for (const gw of input.gateways ?? []) {
    const entry = results.get(key(gw));
    if (!entry) continue;
    const name = label(gw);
    for (const vs of input.virtualServices) {
      if (!appliesAtOf(vs).gateways.includes(name)) continue;
      for (const s of results.get(key(vs))?.services ?? [])
        if (!entry.services.includes(s)) entry.services.push(s);
    }
  }
  for (const ef of input.envoyFilters ?? []) {
    const entry = results.get(key(ef));
    if (entry) entry.services.push(...servicesSelectedBy(ef, catalog));
  }

  for (const vs of input.virtualServices) {
    for (const check of checkVirtualService(vs, ctx)) add(vs, check);
  }
  for (const dr of input.destinationRules) {
    for (const check of checkDestinationRule(dr, ctx)) add(dr, check);
  }
  for (const [o, check] of hostClaims(ctx)) add(o, check);
  for (const [o, check] of exportChecks(ctx)) add(o, check);
  return [...results.values()];
}

/** What the checks share: the catalog by host, the known hosts, and each host's scope (memoized). */
class Context {
  readonly byHost: Map<string, CheckedService>;
  private readonly scopes = new Map<string, RuleScope>();

  constructor(
    readonly input: MeshConfigInput,
    readonly catalog: readonly CheckedService[],
    readonly options: CheckOptions,
  ) {
    this.byHost = new Map(catalog.map((s) => [s.host.toLowerCase(), s]));
  }

  /** The scope of a host (FQDN), with its callers when known. */
  scopeOf(host: string, extraCallers: readonly string[] = []): RuleScope {
    const lower = host.toLowerCase();
    const service = this.byHost.get(lower);
    const callers = [...(this.options.callers?.get(lower) ?? []), ...extraCallers];
    const cacheKey = `${lower} ${callers.join(',')}`;
    let scope = this.scopes.get(cacheKey);
    if (!scope) {
      scope = ruleScope(
        { host: lower, namespace: service?.namespace ?? namespaceOfHost(lower), callerNamespaces: callers },
        this.input,
      );
      this.scopes.set(cacheKey, scope);
    }
    return scope;
  }

  /** Whether a host (FQDN or external name) is a catalog service or a ServiceEntry's host. */
  known(host: string): boolean {
    const lower = host.toLowerCase();
    if (this.byHost.has(lower)) return true;
    return (this.input.serviceEntries ?? []).some((se) =>
      stringList(se.spec.hosts).some((h) => hostMatches(h, namespaceOf(se), lower) !== null),
    );
  }
}

/** `reviews.bookinfo.svc.cluster.local` → `bookinfo`; '' for a name outside the cluster domain. */
function namespaceOfHost(host: string): string {
  const parts = host.split('.');
  return parts.length >= 3 && parts[2] === 'svc' ? (parts[1] ?? '') : '';
}

function check(
  code: ConfigCheckCode,
  severity: ConfigSeverity,
  message: ContractMessageKey,
  values: MessageValues,
  path?: string,
): ConfigCheck {
  return { code, severity, message: contractMessage(message, values), ...(path ? { path } : {}) };
}

// ---------------------------------------------------------------------------------------------
// VirtualServices

function checkVirtualService(vs: MeshObject, ctx: Context): ConfigCheck[] {
  const checks: ConfigCheck[] = [];
  const ns = namespaceOf(vs);
  const at = appliesAtOf(vs);
  const gatewayNames = new Set((ctx.input.gateways ?? []).map(label));

  // gateway-not-found
  stringList(vs.spec.gateways).forEach((written, i) => {
    if (written === 'mesh') return;
    const name = qualifyGateway(written, ns);
    if (!gatewayNames.has(name))
      checks.push(
        check(
          'gateway-not-found',
          'error',
          'configCheck.gatewayNotFound',
          { gateway: name },
          `spec.gateways[${i}]`,
        ),
      );
  });

  // host-not-found and names istiod takes as written: only for the mesh, as a gateway's hosts are
  // names from outside.
  if (at.mesh) {
    stringList(vs.spec.hosts).forEach((h, i) => {
      if (h.startsWith('*')) return;
      const fqdn = qualifyHost(h.toLowerCase(), ns);
      const path = `spec.hosts[${i}]`;
      if (!ctx.known(fqdn)) {
        checks.push(check('host-not-found', 'warning', 'configCheck.hostNotFound', { host: h }, path));
      } else if (h.includes('.') && fqdn !== h.toLowerCase()) {
        checks.push(check('host-not-found', 'warning', 'configCheck.hostAsWritten', { host: h, fqdn }, path));
      }
    });
  }

  // Destinations: the host exists, the subset is defined (for the namespaces that use the rule),
  // and selects a ready instance.
  const users = at.mesh ? [ns] : [];
  for (const g of at.gateways) users.push(g.split('/')[0] ?? ns);
  for (const dest of destinationsOf(vs)) {
    const written = dest.host.toLowerCase();
    const fqdn = qualifyHost(written, ns);
    if (!ctx.known(fqdn)) {
      checks.push(
        check(
          'host-not-found',
          'error',
          'configCheck.destinationNotFound',
          { where: dest.path, host: dest.host },
          dest.path,
        ),
      );
      continue;
    }
    if (written.includes('.') && fqdn !== written && !written.startsWith('*')) {
      const values = { where: dest.path, host: dest.host, fqdn, short: hostName(fqdn) };
      checks.push(check('host-not-found', 'error', 'configCheck.destinationAsWritten', values, dest.path));
      continue;
    }
    const subset = subsetAt(vs, dest.path);
    if (subset) checks.push(...checkSubsetUse(ctx, fqdn, subset, unique(users), dest.path));
  }

  checks.push(...weightChecks(vs), ...unreachableChecks(vs));
  return checks;
}

/** The subset named at a destination path (`spec.http[0].route[1]`), if any. */
function subsetAt(vs: MeshObject, path: string): string | undefined {
  const m = /^spec\.(http|tcp|tls)\[(\d+)\]\.(route|mirrors)\[(\d+)\]$|^spec\.http\[(\d+)\]\.mirror$/.exec(
    path,
  );
  if (!m) return undefined;
  if (m[5] !== undefined) {
    const mirror = records(vs.spec.http)[Number(m[5])]?.mirror;
    return isRecord(mirror) && typeof mirror.subset === 'string' ? mirror.subset : undefined;
  }
  const route = records(vs.spec[m[1] ?? ''])[Number(m[2])];
  const dest = records(route?.[m[3] ?? ''])[Number(m[4])]?.destination;
  return isRecord(dest) && typeof dest.subset === 'string' && dest.subset !== '' ? dest.subset : undefined;
}

function checkSubsetUse(
  ctx: Context,
  host: string,
  subset: string,
  users: readonly string[],
  path: string,
): ConfigCheck[] {
  const scope = ctx.scopeOf(host, users);
  const definedAnywhere = scope.destinationRules.matching.some((d) =>
    records(d.object.spec.subsets).some((s) => s.name === subset),
  );
  if (!definedAnywhere) {
    return [check('subset-not-found', 'error', 'configCheck.subsetNotFound', { subset, host }, path)];
  }
  const out: ConfigCheck[] = [];
  for (const namespace of users) {
    const view = scope.destinationRules.callers.find((c) => c.namespace === namespace);
    const merged = view?.merged?.subsets.find((s) => s.name === subset);
    if (!merged) {
      out.push(
        check('subset-not-found', 'error', 'configCheck.subsetNotVisible', { subset, host, namespace }, path),
      );
      continue;
    }
    const service = ctx.byHost.get(host);
    if (service && selection(service, merged.subset.labels).ready === 0) {
      out.push(
        check(
          'subset-selects-no-instance',
          'error',
          'configCheck.routeToEmptySubset',
          { where: path, subset, host },
          path,
        ),
      );
    }
  }
  return out;
}

/** How many of the service's instances a subset's labels select, and how many of those are ready. */
function selection(service: CheckedService, labels: unknown): { all: number; ready: number } {
  const wanted = isRecord(labels) ? Object.entries(labels) : [];
  const selected = service.providers.filter((p) => wanted.every(([k, v]) => p.labels[k] === v));
  return { all: selected.length, ready: selected.filter((p) => p.ready).length };
}

/**
 * weights-not-100: a route with several destinations whose weights do not total 100. istiod passes
 * them to Envoy as they are, which splits in proportion: 60/30 sends two thirds and one third.
 */
function weightChecks(vs: MeshObject): ConfigCheck[] {
  const out: ConfigCheck[] = [];
  for (const section of ['http', 'tcp', 'tls'] as const) {
    records(vs.spec[section]).forEach((route, i) => {
      const dests = records(route.route);
      if (dests.length === 0) return;
      const weights = dests.map((d) => (typeof d.weight === 'number' ? d.weight : undefined));
      if (dests.length === 1 && (weights[0] === undefined || weights[0] === 100)) return;
      if (weights.every((w) => w === undefined)) return; // several, none weighted: istiod splits evenly
      const total = weights.reduce<number>((sum, w) => sum + (w ?? 0), 0);
      const where = `spec.${section}[${i}]`;
      if (total !== 100)
        out.push(check('weights-not-100', 'error', 'configCheck.weightsNot100', { where, total }, where));
    });
  }
  return out;
}

/** Conditions of a match entry that narrow it (anything but `name`). */
function narrows(match: Record<string, unknown>): boolean {
  return Object.entries(match).some(([k, v]) => {
    if (k === 'name' || v === undefined || v === null) return false;
    if (k === 'uri' && isRecord(v)) return !(v.prefix === '/' || v.regex === '.*');
    if (Array.isArray(v)) return v.length > 0;
    if (isRecord(v)) return Object.keys(v).length > 0;
    return true;
  });
}

/** unreachable-route: a route after one that matches every request (no match, or an empty one). */
function unreachableChecks(vs: MeshObject): ConfigCheck[] {
  const out: ConfigCheck[] = [];
  for (const section of ['http', 'tcp', 'tls'] as const) {
    const routes = records(vs.spec[section]);
    const catchAll = routes.findIndex((r) => {
      const matches = records(r.match);
      return matches.length === 0 || matches.some((m) => !narrows(m));
    });
    if (catchAll < 0) continue;
    for (let i = catchAll + 1; i < routes.length; i++) {
      const where = `spec.${section}[${i}]`;
      const previous = `spec.${section}[${catchAll}]`;
      out.push(check('unreachable-route', 'warning', 'configCheck.unreachable', { where, previous }, where));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// DestinationRules

function checkDestinationRule(dr: MeshObject, ctx: Context): ConfigCheck[] {
  const out: ConfigCheck[] = [];
  const ns = namespaceOf(dr);
  const written = typeof dr.spec.host === 'string' ? dr.spec.host : '';
  const lower = written.toLowerCase();
  if (lower === '' || lower.startsWith('*')) return out;
  const fqdn = qualifyHost(lower, ns);
  if (!ctx.known(fqdn)) {
    out.push(check('host-not-found', 'warning', 'configCheck.hostNotFound', { host: written }, 'spec.host'));
    return out;
  }
  if (lower.includes('.') && fqdn !== lower) {
    out.push(
      check(
        'host-not-found',
        'warning',
        'configCheck.destinationRuleAsWritten',
        { host: written, fqdn },
        'spec.host',
      ),
    );
    return out;
  }

  // duplicate-subset: as merged for callers in the rule's own namespace.
  const view = ctx.scopeOf(fqdn, [ns]).destinationRules.callers.find((c) => c.namespace === ns);
  const duplicates = new Set<string>();
  for (const part of view?.merged?.ignored ?? []) {
    if (part.what !== 'subset' || part.ref.namespace !== ns || part.ref.name !== dr.metadata.name) continue;
    const subset = part.subset ?? '';
    duplicates.add(subset);
    const index = records(dr.spec.subsets).findIndex((s) => s.name === subset);
    const winner = `${part.keptFrom.namespace}/${part.keptFrom.name}`;
    const path = index >= 0 ? `spec.subsets[${index}]` : undefined;
    out.push(check('duplicate-subset', 'warning', 'configCheck.duplicateSubset', { subset, winner }, path));
  }

  // subset-selects-no-instance, against the service's instances (an ignored duplicate selects nothing).
  const service = ctx.byHost.get(fqdn);
  if (service) {
    records(dr.spec.subsets).forEach((s, i) => {
      const name = typeof s.name === 'string' ? s.name : '';
      if (duplicates.has(name)) return;
      const { all, ready } = selection(service, s.labels);
      const values = { subset: name, host: fqdn };
      const path = `spec.subsets[${i}]`;
      if (all === 0)
        out.push(
          check('subset-selects-no-instance', 'warning', 'configCheck.subsetNoInstance', values, path),
        );
      else if (ready === 0)
        out.push(
          check('subset-selects-no-instance', 'warning', 'configCheck.subsetNoReadyInstance', values, path),
        );
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mesh-wide: two VirtualServices on one host, exportTo hiding a rule

/** The exact hosts (FQDN) that mesh-bound VirtualServices name. */
function meshHosts(ctx: Context): string[] {
  const hosts = new Set<string>();
  for (const vs of ctx.input.virtualServices) {
    if (!appliesAtOf(vs).mesh) continue;
    for (const h of stringList(vs.spec.hosts)) {
      const lower = h.toLowerCase();
      if (lower.startsWith('*')) continue;
      const fqdn = qualifyHost(lower, namespaceOf(vs));
      if (!lower.includes('.') || fqdn === lower) hosts.add(fqdn);
    }
  }
  return [...hosts];
}

/**
 * host-claimed-twice: among mesh VirtualServices naming the same host exactly, istiod uses one per
 * caller namespace; the others are ignored there. A wildcard losing to an exact name is normal.
 */
function hostClaims(ctx: Context): Array<[MeshObject, ConfigCheck]> {
  const out: Array<[MeshObject, ConfigCheck]> = [];
  for (const host of meshHosts(ctx)) {
    const contenders = ctx
      .scopeOf(host)
      .virtualServices.filter((v) => v.mesh && v.match.how === 'exact' && v.match.form !== 'namespaced');
    if (contenders.length < 2) continue;
    const ignoredNames: string[] = [];
    for (const v of contenders) {
      const lost = v.mesh?.callers.find(
        (c) => c.visible && !c.inEffect && c.ignoredFor?.reason !== 'more-specific-host',
      );
      if (!lost?.ignoredFor) continue;
      ignoredNames.push(`${v.ref.namespace}/${v.ref.name}`);
      const winner = `${lost.ignoredFor.winner.namespace}/${lost.ignoredFor.winner.name}`;
      const reason = lost.ignoredFor.reason;
      const message: ContractMessageKey =
        reason === 'caller-namespace'
          ? 'configCheck.claimedIgnoredNamespace'
          : reason === 'exported-to-caller'
            ? 'configCheck.claimedIgnoredExported'
            : reason === 'same-age-name-order'
              ? 'configCheck.claimedIgnoredSameAge'
              : 'configCheck.claimedIgnoredOlder';
      out.push([
        v.object,
        check('host-claimed-twice', 'warning', message, { host, winner, namespace: lost.namespace }),
      ]);
    }
    if (ignoredNames.length === 0) continue;
    for (const v of contenders) {
      if (ignoredNames.includes(`${v.ref.namespace}/${v.ref.name}`)) continue;
      if (!v.mesh?.callers.some((c) => c.inEffect)) continue;
      out.push([
        v.object,
        check('host-claimed-twice', 'info', 'configCheck.claimedInEffect', {
          host,
          others: ignoredNames.join(', '),
        }),
      ]);
    }
  }
  return out;
}

/**
 * export-hides-from-callers: a rule on a service, exported so that namespaces calling it (the
 * service's own, and its known callers) do not see it. Those callers keep the default routing.
 */
function exportChecks(ctx: Context): Array<[MeshObject, ConfigCheck]> {
  const out: Array<[MeshObject, ConfigCheck]> = [];
  for (const service of ctx.catalog) {
    const callers = unique([
      service.namespace,
      ...(ctx.options.callers?.get(service.host.toLowerCase()) ?? []),
    ]);
    const scope = ctx.scopeOf(service.host);
    const rules = [
      ...scope.virtualServices
        .filter((v) => v.appliesAt.mesh && v.match.how !== 'destination')
        .map((v) => v.object),
      ...scope.destinationRules.matching.filter((d) => !d.workloadSelector).map((d) => d.object),
    ];
    for (const rule of rules) {
      const exportTo = exportToOf(rule);
      if (exportTo.public) continue;
      const hidden = callers.filter((c) => !visibleTo(exportTo, c));
      if (hidden.length === 0) continue;
      const values = { namespaces: hidden.join(', '), host: service.host };
      out.push([
        rule,
        check('export-hides-from-callers', 'warning', 'configCheck.exportHides', values, 'spec.exportTo'),
      ]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// EnvoyFilters

/** The services whose instances an EnvoyFilter's workloadSelector selects (the root namespace's: any namespace). */
function servicesSelectedBy(ef: MeshObject, catalog: readonly CheckedService[]): CheckedService[] {
  const selector = isRecord(ef.spec.workloadSelector) ? ef.spec.workloadSelector.labels : undefined;
  if (!isRecord(selector)) return [];
  const ns = namespaceOf(ef);
  const wanted = Object.entries(selector);
  return catalog.filter((s) =>
    s.providers.some(
      (p) => (ns === 'istio-system' || p.namespace === ns) && wanted.every(([k, v]) => p.labels[k] === v),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
