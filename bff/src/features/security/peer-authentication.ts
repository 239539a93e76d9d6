import type { MeshObjects } from '../../clients/mesh-objects';
import type {
  EffectiveMtls,
  MtlsSource,
  PeerAuthenticationForm,
  PeerAuthenticationList,
  PeerAuthenticationPreview,
  PeerAuthenticationRule,
} from '../../contract/security';
import { badRequest } from '../../lib/errors';
import { kubeKind } from '../../lib/kube-kind';
import type { MeshObject } from '../../mesh/istio-types';
import {
  PEER_AUTHENTICATION,
  ROOT_NAMESPACE,
  clientTlsFor,
  effectiveMtls,
  peerAuthenticationLevel,
  planPeerAuthentication,
  readPeerAuthentication,
} from '../../mesh/peer-authentication';
import { plaintextCallers } from '../../mesh/access-evaluation';
import { callerScope, inScope } from '../auth/scope';
import type { NamespaceScope } from '../auth/scope';
import { toYaml } from '../changes/yaml';
import type { TelemetrySource } from '../monitoring/telemetry';
import { RuleService } from '../rules/service';
import type { RuleContext, RuleDeps, RuleKind, RulePlan } from '../rules/service';
import { CALLER_WINDOW, TRAFFIC_UNREADABLE, callerWithin, observedCallers } from './callers';
import type { Callers } from './callers';
import { planPolicyRollback, policyWrite, refOf } from './objects';
import { serviceWorkloads } from './workloads';
import type { ServiceWorkloads } from './workloads';

/**
 * mTLS as a kind of rule (`/services/{id}/peer-authentications`): Istio's PeerAuthentications of
 * the service's namespace that apply to its workloads, one rule each, edited through the form of
 * `contract/security.ts` and translated by `mesh/peer-authentication.ts`. The list also says which
 * mode is in force on each port and where it comes from (workload, namespace, mesh or Istio's
 * default), what the DestinationRules make clients send, and which callers send plaintext today:
 * those a STRICT mode would refuse, which the preview names before anything is written.
 */

export interface SecurityDeps extends RuleDeps {
  /** Where the callers of a service are read from; absent or failing, no caller is judged. */
  telemetry?: TelemetrySource;
}

const DESTINATION_RULE = kubeKind('networking.istio.io/v1', 'DestinationRule', 'destinationrules');

interface PeerAuthenticationContext extends RuleContext {
  workloads: ServiceWorkloads;
  /** Every PeerAuthentication of the service's namespace (a new rule's name must not be one of them). */
  own: MeshObject[];
  /** Those of the root namespace (mesh-wide, or for the root namespace's own workloads). */
  root: MeshObject[];
  /** DestinationRules of the service's and the root namespace, whose TLS settings clients follow. */
  destinationRules: MeshObject[];
  callers: Callers;
}

interface PeerAuthenticationPlan extends RulePlan<PeerAuthenticationPreview['warnings'][number]> {
  /** The policy after the change (null: deleted), and the one it replaces. */
  next: MeshObject | null;
  current: MeshObject | undefined;
}

interface PeerAuthenticationTypes {
  body: PeerAuthenticationForm;
  rule: PeerAuthenticationRule;
  list: PeerAuthenticationList;
  preview: PeerAuthenticationPreview;
  context: PeerAuthenticationContext;
  plan: PeerAuthenticationPlan;
}

const workloadOf = (ctx: PeerAuthenticationContext) => ({
  namespace: ctx.target.namespace,
  labels: ctx.workloads.labels,
});

/** Every PeerAuthentication istiod weighs for the service's workloads (the root namespace's once). */
const allPolicies = (ctx: PeerAuthenticationContext) =>
  ctx.target.namespace === ROOT_NAMESPACE ? ctx.own : [...ctx.own, ...ctx.root];

/** The service's namespace's PeerAuthentications that apply to its workloads: the editable rules. */
function applying(ctx: PeerAuthenticationContext): MeshObject[] {
  return ctx.own
    .filter((pa) => peerAuthenticationLevel(pa, workloadOf(ctx), ROOT_NAMESPACE) !== null)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

const findRule = (ctx: PeerAuthenticationContext, name: string) =>
  applying(ctx).find((pa) => pa.metadata.name === name);

function ruleOf(ctx: PeerAuthenticationContext, name: string): PeerAuthenticationRule | null {
  const pa = findRule(ctx, name);
  if (!pa) return null;
  const resourceVersion = pa.metadata.resourceVersion ?? '';
  const { form, keptFields } = readPeerAuthentication(pa, ctx.workloads.selector);
  return {
    name,
    objects: [refOf(pa, ctx.target.namespace)],
    resourceVersion,
    form: form ? { ...form, resourceVersion } : null,
    keptFields,
    yaml: toYaml(pa),
  };
}

/** A source as a reader may see it: a policy of a namespace it may not read is not named. */
function sourceWithin(source: MtlsSource, scope: NamespaceScope): MtlsSource {
  return source.ref && !inScope(scope, source.ref.namespace) ? { ...source, ref: null } : source;
}

function effectiveWithin(effective: EffectiveMtls, scope: NamespaceScope): EffectiveMtls {
  return {
    mode: effective.mode,
    source: sourceWithin(effective.source, scope),
    ports: effective.ports.map((p) => ({ ...p, source: sourceWithin(p.source, scope) })),
  };
}

/** The modes in force with `policies` (the live ones, or those after a change). */
const effectiveWith = (ctx: PeerAuthenticationContext, policies: MeshObject[]) =>
  effectiveMtls(policies, workloadOf(ctx), ctx.workloads.ports, ROOT_NAMESPACE);

/** The live policies with `next` in place of `current` (or `current` gone, for a deletion). */
function policiesAfter(ctx: PeerAuthenticationContext, plan: PeerAuthenticationPlan): MeshObject[] {
  const name = plan.current?.metadata.name ?? plan.next?.metadata.name;
  const rest = allPolicies(ctx).filter(
    (pa) =>
      !(
        pa.metadata.name === name && (pa.metadata.namespace ?? ctx.target.namespace) === ctx.target.namespace
      ),
  );
  return plan.next ? [...rest, plan.next] : rest;
}

const strictSomewhere = (e: EffectiveMtls) => e.mode === 'STRICT' || e.ports.some((p) => p.mode === 'STRICT');

/** What the operator should know before the change is written. */
function warningsOf(ctx: PeerAuthenticationContext, form: PeerAuthenticationForm): { message: string }[] {
  const warnings: { message: string }[] = [];
  const namespace = ctx.target.namespace;
  if (form.scope === 'namespace') {
    warnings.push({
      message: `A namespace-wide policy sets mTLS for every workload of namespace ${namespace}, not only this service's`,
    });
    const others = ctx.own.filter(
      (pa) => pa.metadata.name !== form.name && Object.keys(selectorOf(pa)).length === 0,
    );
    if (others.length > 0)
      warnings.push({
        message: `Namespace ${namespace} already has a namespace-wide PeerAuthentication (${others
          .map((pa) => pa.metadata.name)
          .join(', ')}); Istio applies only the oldest one`,
      });
  }
  const unknownPorts = form.portLevel.filter((p) => !ctx.workloads.ports.includes(p.port)).map((p) => p.port);
  if (unknownPorts.length > 0)
    warnings.push({
      message: `Port ${unknownPorts.join(', ')} is not a target port of the service (${ctx.workloads.ports.join(', ') || 'none known'}): a port-level mode applies to the workload's container port`,
    });
  if (ctx.callers.unavailable) warnings.push({ message: TRAFFIC_UNREADABLE });
  return warnings;
}

function selectorOf(pa: MeshObject): Record<string, string> {
  const spec = pa.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined;
  return spec?.selector?.matchLabels ?? {};
}

function othersOf(ctx: PeerAuthenticationContext, scope: NamespaceScope): PeerAuthenticationList['others'] {
  if (ctx.target.namespace === ROOT_NAMESPACE || !inScope(scope, ROOT_NAMESPACE)) return [];
  return ctx.root.flatMap((pa) => {
    const level = peerAuthenticationLevel(pa, workloadOf(ctx), ROOT_NAMESPACE);
    return level ? [{ ref: refOf(pa, ROOT_NAMESPACE), yaml: toYaml(pa), level }] : [];
  });
}

function peerAuthenticationKind(deps: SecurityDeps): RuleKind<PeerAuthenticationTypes> {
  return {
    noun: 'PeerAuthentication',
    shortNoun: 'PeerAuthentication',
    async load({ service, target }, objects: MeshObjects) {
      const namespace = target.namespace;
      const [workloads, own, root, destinationRules, callers] = await Promise.all([
        serviceWorkloads(service, objects),
        objects.list(PEER_AUTHENTICATION, namespace),
        namespace === ROOT_NAMESPACE
          ? Promise.resolve([])
          : // The root namespace's policies are shown, not needed: one that cannot be read does not
            // take the service's own rules down with it.
            objects.list(PEER_AUTHENTICATION, ROOT_NAMESPACE).catch(() => []),
        Promise.all(
          [...new Set([namespace, ROOT_NAMESPACE])].map((ns) =>
            objects.list(DESTINATION_RULE, ns).catch(() => []),
          ),
        ).then((lists) => lists.flat()),
        observedCallers(deps.telemetry, deps.catalog, service.id, CALLER_WINDOW, deps.log),
      ]);
      return {
        service,
        target,
        workloads,
        own: own as MeshObject[],
        root: root as MeshObject[],
        destinationRules: destinationRules as MeshObject[],
        callers,
      };
    },
    find: findRule,
    taken: (ctx, name) => ctx.own.some((pa) => pa.metadata.name === name),
    read: ruleOf,
    list(ctx) {
      const scope = callerScope();
      const effective = effectiveWith(ctx, allPolicies(ctx));
      const visibleDrs = ctx.destinationRules.filter((dr) =>
        inScope(scope, dr.metadata.namespace ?? ctx.target.namespace),
      );
      return {
        items: applying(ctx).flatMap((pa) => ruleOf(ctx, pa.metadata.name) ?? []),
        others: othersOf(ctx, scope),
        effective: effectiveWithin(effective, scope),
        clientTls: clientTlsFor(visibleDrs, ctx.target.host, effective),
        plaintextCallers: plaintextCallers(ctx.callers.callers).map((c) => callerWithin(c, scope)),
        trafficUnavailable: ctx.callers.unavailable,
        ports: ctx.workloads.ports,
      };
    },
    nameOf: (form) => form.name,
    plan(ctx, form, name) {
      if (name !== undefined && form.name !== name)
        throw badRequest('A PeerAuthentication cannot be renamed; create a new one', 'name');
      if (form.scope === 'workload' && Object.keys(ctx.workloads.selector).length === 0)
        throw badRequest(
          `Service ${ctx.service.name} selects its instances by no label, so no policy can select them: choose the namespace scope`,
          'scope',
        );
      // A preview does not name the rule it edits: the form's name does (a create is refused earlier when taken).
      const current = findRule(ctx, name ?? form.name);
      const next = planPeerAuthentication(form, {
        namespace: ctx.target.namespace,
        selector: ctx.workloads.selector,
        serviceId: ctx.service.id,
        current: current ?? null,
      });
      return {
        writes: [policyWrite(next, current, form.resourceVersion)],
        warnings: warningsOf(ctx, form),
        next,
        current,
      };
    },
    planDelete(ctx, name, resourceVersion) {
      const current = findRule(ctx, name);
      if (!current) return { writes: [], warnings: [], next: null, current };
      const object = resourceVersion
        ? { ...current, metadata: { ...current.metadata, resourceVersion } }
        : current;
      return { writes: [{ action: 'delete', object, current }], warnings: [], next: null, current };
    },
    planRollback(ctx, name, saved) {
      const live = findRule(ctx, name) ?? ctx.own.find((pa) => pa.metadata.name === name);
      const { writes, restored } = planPolicyRollback(
        live,
        saved,
        PEER_AUTHENTICATION.kind,
        ctx.target.namespace,
      );
      return writes ? { plan: { writes, warnings: [], next: null, current: live }, restored } : { restored };
    },
    preview(ctx, plan, objects) {
      const scope = callerScope();
      const after = effectiveWith(ctx, policiesAfter(ctx, plan));
      const warnings = [...plan.warnings];
      const conflicts = clientTlsFor(ctx.destinationRules, ctx.target.host, after).filter((c) => c.conflict);
      for (const c of conflicts)
        warnings.push({
          message: inScope(scope, c.ref.namespace)
            ? `DestinationRule ${c.ref.namespace}/${c.ref.name} makes clients send ${c.mode}${c.port ? ` on port ${c.port}` : ''}: those requests would fail against STRICT`
            : `A DestinationRule makes clients send ${c.mode}: those requests would fail against STRICT`,
        });
      return {
        objects,
        warnings,
        refused: strictSomewhere(after)
          ? plaintextCallers(ctx.callers.callers).map((c) => callerWithin(c, scope))
          : [],
      };
    },
  };
}

/**
 * The PeerAuthentications of a service, from form to control plane, on the one rule service: preview
 * with a server-side dry run and the plaintext callers STRICT would refuse, writes carrying the
 * resourceVersion they were based on, a revision per change, rollback.
 */
export class PeerAuthenticationService extends RuleService<PeerAuthenticationTypes> {
  constructor(deps: SecurityDeps) {
    super(deps, peerAuthenticationKind(deps));
  }
}
