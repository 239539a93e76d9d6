import { toApiError } from '../../clients/kube-errors';
import type { MeshObjects } from '../../clients/mesh-objects';
import type { ServiceDetail } from '../../contract/catalog';
import type { MonitoringWindow } from '../../contract/monitoring';
import type {
  AccessPolicyForm,
  AccessPolicyList,
  AccessPolicyPreview,
  AccessPolicyRule,
  AccessPolicySuggestion,
} from '../../contract/security';
import { badRequest, notFound } from '../../lib/errors';
import type { MeshObject } from '../../mesh/istio-types';
import { ROOT_NAMESPACE } from '../../mesh/peer-authentication';
import {
  AUTHORIZATION_POLICY,
  planAccessPolicy,
  policiesForService,
  readAccessPolicy,
} from '../../mesh/authorization-policy';
import { judgeCallers, mayRefuse, newlyRefused, suggestAllowPolicy } from '../../mesh/access-evaluation';
import { callerScope, inScope } from '../auth/scope';
import { toYaml } from '../changes/yaml';
import { RuleService } from '../rules/service';
import type { RuleContext, RuleKind, RulePlan } from '../rules/service';
import { routeTarget } from '../rules/target';
import {
  CALLER_WINDOW,
  TRAFFIC_UNREADABLE,
  callerWithin,
  observedCallers,
  readCallers,
  verdictWithin,
} from './callers';
import type { Callers } from './callers';
import { planPolicyRollback, policyWrite, refOf } from './objects';
import type { SecurityDeps } from './peer-authentication';
import { serviceWorkloads } from './workloads';
import type { ServiceWorkloads } from './workloads';

/**
 * Who may call the service, as a kind of rule (`/services/{id}/access-policies`): Istio's
 * AuthorizationPolicies of the service's namespace that apply to it (by `selector`, by `targetRefs`
 * to its Service, or namespace-wide), one rule each, edited through the form of
 * `contract/security.ts` and translated by `mesh/authorization-policy.ts`. The list judges each
 * caller seen over the last 5 minutes by the policies in force (`mesh/access-evaluation.ts`:
 * CUSTOM, DENY, ALLOW, and no ALLOW policy means allow all); the preview names the callers the change
 * would newly refuse; the suggestion proposes an ALLOW policy for the callers seen.
 */

/** The path segment of the suggestion, which a rule therefore cannot be named. */
const SUGGESTION = 'suggestion';

/** The name the suggestion proposes (with a number when taken). */
const SUGGESTED_NAME = 'allow-observed';

interface AccessPolicyContext extends RuleContext {
  workloads: ServiceWorkloads;
  /** Every AuthorizationPolicy of the service's namespace (a new rule's name must not be one of them). */
  own: MeshObject[];
  /** Those that apply to the service: its namespace's (the rules) and the root namespace's. */
  applying: { items: MeshObject[]; others: MeshObject[] };
  /** How a new policy reaches the service: `targetRefs` when a waypoint serves it, else `selector`. */
  attach: 'selector' | 'targetRefs';
  /** The service's pods are ambient without a waypoint: ztunnel enforces only L4 rules. */
  l4Only: boolean;
  callers: Callers;
}

interface AccessPolicyPlan extends RulePlan<AccessPolicyPreview['warnings'][number]> {
  /** The policy after the change (null: deleted). */
  next: MeshObject | null;
  name: string;
}

interface AccessPolicyTypes {
  body: AccessPolicyForm;
  rule: AccessPolicyRule;
  list: AccessPolicyList;
  preview: AccessPolicyPreview;
  context: AccessPolicyContext;
  plan: AccessPolicyPlan;
}

/** Whether a waypoint that exists serves the service's ambient pods: policies then target the Service. */
function servedByWaypoint(service: ServiceDetail): boolean {
  const plane = service.dataPlane;
  return !!plane?.waypoint && plane.waypointMissing !== true && plane.modes.includes('ambient');
}

function ambientWithoutWaypoint(service: ServiceDetail): boolean {
  const plane = service.dataPlane;
  return (
    !!plane &&
    plane.modes.length > 0 &&
    plane.modes.every((m) => m === 'ambient') &&
    !servedByWaypoint(service)
  );
}

const findRule = (ctx: AccessPolicyContext, name: string) =>
  ctx.applying.items.find((p) => p.metadata.name === name);

/** The policies in force on the service. */
const inForce = (ctx: AccessPolicyContext) => [...ctx.applying.items, ...ctx.applying.others];

function ruleOf(ctx: AccessPolicyContext, name: string): AccessPolicyRule | null {
  const policy = findRule(ctx, name);
  if (!policy) return null;
  const resourceVersion = policy.metadata.resourceVersion ?? '';
  const { form, keptFields, attachment } = readAccessPolicy(policy);
  return {
    name,
    objects: [refOf(policy, ctx.target.namespace)],
    resourceVersion,
    form: form ? { ...form, resourceVersion } : null,
    keptFields,
    attachment,
    yaml: toYaml(policy),
  };
}

/** HTTP-only parts of a form, which ztunnel (L4) cannot enforce. */
function usesL7(form: AccessPolicyForm): boolean {
  return form.rules.some(
    (r) =>
      (r.to ?? []).some(
        (op) => !!(op.methods?.length || op.paths?.length || op.notMethods?.length || op.notPaths?.length),
      ) || (r.when ?? []).some((c) => c.key.startsWith('request.')),
  );
}

function warningsOf(ctx: AccessPolicyContext, form: AccessPolicyForm): { message: string }[] {
  const warnings: { message: string }[] = [];
  if (form.action === 'ALLOW' && form.rules.length === 0)
    warnings.push({ message: 'An ALLOW policy without rules refuses every request to the service' });
  if (form.action === 'DENY' && form.rules.some((r) => !r.from && !r.to && !r.when))
    warnings.push({ message: 'A DENY rule without from, to or when refuses every request to the service' });
  if (form.dryRun)
    warnings.push({
      message: 'Dry run (istio.io/dry-run): the policy is evaluated and logged, not enforced',
    });
  if (ctx.l4Only && usesL7(form))
    warnings.push({
      message:
        'The service is ambient without a waypoint: ztunnel enforces only namespaces, principals and ports, and refuses every request a rule with methods, paths or request conditions is about',
    });
  if (ctx.callers.unavailable) warnings.push({ message: TRAFFIC_UNREADABLE });
  return warnings;
}

function othersOf(ctx: AccessPolicyContext): AccessPolicyList['others'] {
  const scope = callerScope();
  return ctx.applying.others
    .filter((p) => inScope(scope, p.metadata.namespace ?? ROOT_NAMESPACE))
    .map((p) => {
      const namespace = p.metadata.namespace ?? ROOT_NAMESPACE;
      const action = (p.spec as { action?: unknown } | undefined)?.action;
      return {
        ref: refOf(p, namespace),
        yaml: toYaml(p),
        action: typeof action === 'string' ? action : 'ALLOW',
        from: namespace === ROOT_NAMESPACE ? ('root' as const) : ('namespace' as const),
      };
    });
}

function accessPolicyKind(deps: SecurityDeps): RuleKind<AccessPolicyTypes> {
  return {
    noun: 'access policy',
    shortNoun: 'access policy',
    async load({ service, target }, objects: MeshObjects) {
      const namespace = target.namespace;
      const [workloads, own, root, callers] = await Promise.all([
        serviceWorkloads(service, objects),
        objects.list(AUTHORIZATION_POLICY, namespace),
        namespace === ROOT_NAMESPACE
          ? Promise.resolve([])
          : objects.list(AUTHORIZATION_POLICY, ROOT_NAMESPACE).catch(() => []),
        observedCallers(deps.telemetry, deps.catalog, service.id, CALLER_WINDOW, deps.log),
      ]);
      const all = [...(own as MeshObject[]), ...(root as MeshObject[])];
      const applying = policiesForService(
        all,
        {
          namespace,
          name: workloads.serviceName ?? service.name,
          labels: workloads.selector,
          workloads: workloads.instances,
        },
        ROOT_NAMESPACE,
      );
      return {
        service,
        target,
        workloads,
        own: own as MeshObject[],
        applying: {
          items: [...applying.items].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)),
          others: applying.others,
        },
        attach: servedByWaypoint(service) ? 'targetRefs' : 'selector',
        l4Only: ambientWithoutWaypoint(service),
        callers,
      };
    },
    find: findRule,
    taken: (ctx, name) => ctx.own.some((p) => p.metadata.name === name),
    read: ruleOf,
    list(ctx) {
      const scope = callerScope();
      return {
        items: ctx.applying.items.flatMap((p) => ruleOf(ctx, p.metadata.name) ?? []),
        others: othersOf(ctx),
        callers: judgeCallers(inForce(ctx), ctx.callers.callers, { l4Only: ctx.l4Only }).map((v) =>
          verdictWithin(v, scope),
        ),
        trafficUnavailable: ctx.callers.unavailable,
      };
    },
    nameOf: (form) => form.name,
    plan(ctx, form, name) {
      if (name !== undefined && form.name !== name)
        throw badRequest('An access policy cannot be renamed; create a new one', 'name');
      // A preview does not name the rule it edits: the form's name does (a create is refused earlier when taken).
      const current = findRule(ctx, name ?? form.name);
      if (!current && form.name === SUGGESTION)
        throw badRequest(`The name ${SUGGESTION} is reserved; choose another name`, 'name');
      if (!current && ctx.attach === 'selector' && Object.keys(ctx.workloads.selector).length === 0)
        throw badRequest(
          `Service ${ctx.service.name} selects its instances by no label, so no policy can select them`,
          'name',
        );
      if (!current && ctx.attach === 'targetRefs' && !ctx.workloads.serviceName)
        throw badRequest(
          `Service ${ctx.service.name} has no Kubernetes Service for a policy to target`,
          'name',
        );
      const next = planAccessPolicy(form, {
        namespace: ctx.target.namespace,
        selector: ctx.workloads.selector,
        serviceId: ctx.service.id,
        serviceName: ctx.workloads.serviceName ?? ctx.service.name,
        attach: ctx.attach,
        current: current ?? null,
      });
      return {
        writes: [policyWrite(next, current, form.resourceVersion)],
        warnings: warningsOf(ctx, form),
        next,
        name: form.name,
      };
    },
    planDelete(ctx, name, resourceVersion) {
      const current = findRule(ctx, name);
      if (!current) return { writes: [], warnings: [], next: null, name };
      const object = resourceVersion
        ? { ...current, metadata: { ...current.metadata, resourceVersion } }
        : current;
      return { writes: [{ action: 'delete', object, current }], warnings: [], next: null, name };
    },
    planRollback(ctx, name, saved) {
      const live = findRule(ctx, name) ?? ctx.own.find((p) => p.metadata.name === name);
      const { writes, restored } = planPolicyRollback(
        live,
        saved,
        AUTHORIZATION_POLICY.kind,
        ctx.target.namespace,
      );
      return writes ? { plan: { writes, warnings: [], next: null, name }, restored } : { restored };
    },
    preview(ctx, plan, objects) {
      const scope = callerScope();
      const options = { namespace: ctx.target.namespace, l4Only: ctx.l4Only };
      const live = inForce(ctx);
      const warnings = [...plan.warnings];
      const unsure = mayRefuse(live, plan.next, plan.name, ctx.callers.callers, options);
      if (unsure.length > 0)
        warnings.push({
          message: `${unsure.length} caller${unsure.length === 1 ? '' : 's'} allowed now may be refused, depending on what the telemetry does not show (paths, methods, headers)`,
        });
      return {
        objects,
        warnings,
        refused: newlyRefused(live, plan.next, plan.name, ctx.callers.callers, options).map((v) =>
          verdictWithin(v, scope),
        ),
      };
    },
  };
}

/**
 * The access policies of a service, from form to control plane, on the one rule service: preview
 * with a server-side dry run and the observed callers the change would refuse, writes carrying the
 * resourceVersion they were based on, a revision per change, rollback; and "allow what is seen now".
 */
export class AccessPolicyService extends RuleService<AccessPolicyTypes> {
  private readonly telemetry: SecurityDeps['telemetry'];

  constructor(deps: SecurityDeps) {
    super(deps, accessPolicyKind(deps));
    this.telemetry = deps.telemetry;
  }

  /**
   * An ALLOW policy for the callers seen over `window`, for the operator to edit before applying.
   * Callers of namespaces the reader may not see are counted but not proposed (their identities are
   * not the reader's to see). Telemetry that cannot be read is a 503, as on the monitoring page.
   */
  async suggestion(serviceId: string, window: MonitoringWindow): Promise<AccessPolicySuggestion> {
    const service = this.deps.catalog.get(serviceId);
    if (!service) throw notFound(`Service ${serviceId} was not found`);
    const target = routeTarget(service);
    const [callers, own] = await Promise.all([
      readCallers(this.telemetry, this.deps.catalog, serviceId, window),
      this.deps.objects.list(AUTHORIZATION_POLICY, target.namespace).catch((err: unknown) => {
        throw toApiError(err, `the access policies of ${serviceId}`) ?? err;
      }),
    ]);
    const scope = callerScope();
    const visible = callers.filter((c) => c.namespace === null || inScope(scope, c.namespace));
    const taken = new Set(own.map((p) => p.metadata.name));
    let name = SUGGESTED_NAME;
    for (let i = 2; taken.has(name); i++) name = `${SUGGESTED_NAME}-${i}`;
    const { form } = suggestAllowPolicy(visible, name);
    return { form, callers: callers.map((c) => callerWithin(c, scope)), window };
  }
}
