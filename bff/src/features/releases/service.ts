import { kubeStatusOf } from '../../clients/kube-errors';
import type { ServiceDetail } from '../../contract/catalog';
import { contractMessage } from '../../contract/messages';
import type {
  ReleaseAction,
  ReleaseList,
  ReleaseSample,
  ReleaseSpec,
  ReleaseStatus,
  ReleaseView,
} from '../../contract/releases';
import type { PreviewResponse, RouteForm, RouteRule } from '../../contract/routing';
import { ApiError, badRequest, notFound } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { Principal } from '../../lib/principal';
import { currentPrincipal, requestContext, runWithContext } from '../../lib/request-context';
import type { RequestContext } from '../../lib/request-context';
import { nextState, releasePlan, startRelease } from '../../mesh/release';
import type { Release, ReleaseEffect, ReleaseEvent, Transition } from '../../mesh/release';
import type { AuditLog } from '../audit/audit-log';
import type { CatalogSource } from '../catalog/catalog';
import type { RoutingService } from '../routing/routing';
import type { ReleaseObject, ReleaseObjectStatus, ReleaseTarget } from './crd';
import { SAMPLE_LIMIT } from './crd';
import { liveWeights, sameWeights, stageForm } from './route-weights';
import type { StageWeights } from './route-weights';
import { ReleaseConflict } from './store';
import type { ReleaseStore } from './store';

/**
 * Progressive delivery (issue 17): starting a release, the operator's actions on it, and the
 * effects of the state machine (mesh/release.ts) carried out. Weights are written through the
 * routing service, the same change flow as a manual edit (preview by dry run, resourceVersion,
 * revision, audit), with the revision comment the state machine gives ("canary step 3 by release
 * reviews-v3"). Writes made while serving a request are the signed-in user's; the controller's are
 * made as the user who started the release.
 */

export interface ReleaseDeps {
  store: ReleaseStore;
  routing: RoutingService;
  catalog: CatalogSource;
  audit: AuditLog;
  log: Logger;
  clock?: () => Date;
}

const ACTIVE = new Set<ReleaseStatus['phase']>(['Progressing', 'Paused']);
const ROUTE_KINDS = new Set(['VirtualService', 'HTTPRoute']);

/** The state machine's view of a release object. */
export function releaseOf(obj: ReleaseObject): Release {
  const { target: _target, createdBy: _createdBy, ...rest } = obj.spec;
  const spec: ReleaseSpec = { name: obj.metadata.name, ...rest };
  return { spec, status: statusOf(obj) };
}

/** The recorded status without the controller's own fields; a release not yet recorded is at its start. */
function statusOf(obj: ReleaseObject): ReleaseStatus {
  const s = obj.status;
  if (!s?.phase) {
    const at = obj.metadata.creationTimestamp ?? new Date(0).toISOString();
    return { phase: 'Progressing', step: 0, startedAt: at, stepStartedAt: at, log: [] };
  }
  return {
    phase: s.phase,
    step: s.step,
    startedAt: s.startedAt,
    stepStartedAt: s.stepStartedAt,
    ...(s.gates ? { gates: s.gates } : {}),
    log: s.log ?? [],
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.reason && s.reasonText ? { reasonText: s.reasonText } : {}),
  };
}

function toView(obj: ReleaseObject): ReleaseView {
  const { spec, status } = releaseOf(obj);
  return {
    name: obj.metadata.name,
    namespace: obj.metadata.namespace,
    serviceId: obj.spec.target.serviceId,
    spec,
    status,
    route: { kind: obj.spec.target.routeKind, name: obj.spec.target.routeName },
    createdBy: obj.spec.createdBy.name,
    createdAt: obj.metadata.creationTimestamp ?? status.startedAt,
    resourceVersion: obj.metadata.resourceVersion ?? '',
    samples: obj.status?.samples ?? [],
  };
}

/** The principal the controller writes as: the user who started the release. */
function creatorPrincipal(obj: ReleaseObject): Principal {
  const c = obj.spec.createdBy;
  return {
    name: c.name,
    role: c.role === 'admin' || c.role === 'operator' || c.role === 'viewer' ? c.role : 'operator',
    namespaces: ['*'],
    via: 'local',
    groups: c.groups ?? [],
    mustChangePassword: false,
  };
}

type WeightEffect = Extract<ReleaseEffect, { kind: 'setWeights' | 'rollback' }>;

const stageOf = (effect: WeightEffect): StageWeights => ({
  stable: effect.stable,
  canary: effect.canary,
  ...('header' in effect && effect.header ? { header: effect.header } : {}),
});

/** Where an event comes from: a request (the signed-in user's, audited by the request) or the controller. */
export type Origin = 'request' | 'controller';

/** The audit action of a transition, from the phase it leads to and the event. */
function auditAction(
  event: ReleaseEvent['kind'] | 'start',
  before: ReleaseStatus,
  after: ReleaseStatus,
): string {
  if (after.phase === 'RolledBack' && before.phase !== 'RolledBack')
    return event === 'abort' ? 'releases.abort' : 'releases.rollback';
  if (after.phase === 'Succeeded' && before.phase !== 'Succeeded')
    return event === 'promote' ? 'releases.promote' : 'releases.succeeded';
  if (after.phase === 'Paused' && before.phase !== 'Paused') return 'releases.pause';
  if (event === 'resume') return 'releases.resume';
  return `releases.${event}`;
}

export class ReleaseService {
  private readonly now: () => Date;

  constructor(private readonly deps: ReleaseDeps) {
    this.now = deps.clock ?? (() => new Date());
  }

  get store(): ReleaseStore {
    return this.deps.store;
  }

  private service(serviceId: string): ServiceDetail {
    const service = this.deps.catalog.get(serviceId);
    if (!service) throw notFound(`Service ${serviceId} was not found`);
    return service;
  }

  private async releasesOf(service: ServiceDetail): Promise<ReleaseObject[]> {
    const all = await this.deps.store.list(service.namespace);
    return all.filter((r) => r.spec.target.serviceId === service.id);
  }

  async list(serviceId: string): Promise<ReleaseList> {
    const service = this.service(serviceId);
    return { items: (await this.releasesOf(service)).map(toView) };
  }

  async object(serviceId: string, name: string): Promise<ReleaseObject> {
    const service = this.service(serviceId);
    const obj = await this.deps.store.find(service.namespace, name);
    if (!obj || obj.spec.target.serviceId !== service.id)
      throw notFound(`Release ${name} of ${serviceId} was not found`);
    return obj;
  }

  async get(serviceId: string, name: string): Promise<ReleaseView> {
    return toView(await this.object(serviceId, name));
  }

  /** The versions must be the service's; the checks the route makes come later (its preview). */
  private checkVersions(service: ServiceDetail, spec: ReleaseSpec): void {
    const versions = new Set(service.versionDetails.flatMap((v) => (v.version === null ? [] : [v.version])));
    for (const field of ['stable', 'canary'] as const) {
      if (!versions.has(spec[field]))
        throw badRequest(
          `${field}: ${contractMessage('routing.versionUnknown', { version: spec[field] })}`,
          field,
        );
    }
  }

  /**
   * The route the release moves: the service's own route (one the form can edit) that sends to the
   * stable version, else its first such route, else a new one named after the service, in the
   * route API the routing service chooses for it.
   */
  private async chooseRoute(
    service: ServiceDetail,
    spec: ReleaseSpec,
  ): Promise<{
    kind: ReleaseTarget['routeKind'];
    name: string;
    rule: RouteRule | null;
  }> {
    const routes = await this.deps.routing.list(service.id);
    const editable = routes.items.filter(
      (r) => r.scope.editable && r.form !== null && r.form.transport !== 'tcp' && ROUTE_KINDS.has(r.ref.kind),
    );
    const rule =
      editable.find((r) => r.form?.destinations.some((d) => d.version === spec.stable)) ?? editable[0];
    if (rule) return { kind: rule.ref.kind as ReleaseTarget['routeKind'], name: rule.name, rule };
    const kind = routes.routeApi?.kind ?? 'VirtualService';
    if (!ROUTE_KINDS.has(kind))
      throw new ApiError(
        409,
        'ReleaseUnsupported',
        `A release moves the weights of a VirtualService or an HTTPRoute; service ${service.id} is routed with ${kind}s`,
      );
    if (routes.items.some((r) => r.name === service.name))
      throw new ApiError(
        409,
        'ReleaseUnsupported',
        `The route ${service.name} of service ${service.id} cannot be edited with the form, so a release cannot move its weights`,
      );
    return { kind: kind as ReleaseTarget['routeKind'], name: service.name, rule: null };
  }

  /** A route's problem with the release's form, named as the release form's field. */
  private asReleaseError(err: unknown, spec: ReleaseSpec): unknown {
    if (!(err instanceof ApiError) || err.status !== 400) return err;
    const field = err.message.includes(spec.canary)
      ? 'canary'
      : err.message.includes(spec.stable)
        ? 'stable'
        : undefined;
    const message = err.message.replace(/^[\w.]+: /, '');
    return badRequest(field ? `${field}: ${message}` : message, field);
  }

  private async firstStage(serviceId: string, spec: ReleaseSpec) {
    const service = this.service(serviceId);
    this.checkVersions(service, spec);
    const route = await this.chooseRoute(service, spec);
    const effect = startRelease(spec, this.now()).effects.find(
      (e): e is WeightEffect => e.kind === 'setWeights',
    ) as WeightEffect;
    const form = stageForm(route.rule?.form ?? null, route.name, spec.name, spec, stageOf(effect));
    return { service, route, form };
  }

  /** The first stage's objects as YAML with their diff against live (a dry run; nothing is written). */
  async preview(serviceId: string, spec: ReleaseSpec): Promise<PreviewResponse> {
    const { route, form } = await this.firstStage(serviceId, spec);
    return this.deps.routing
      .preview(serviceId, form, route.rule ? route.name : undefined)
      .catch((err: unknown) => {
        throw this.asReleaseError(err, spec);
      });
  }

  /** Starts a release as the signed-in user: the object, then the first stage's weights. */
  async create(serviceId: string, spec: ReleaseSpec): Promise<ReleaseView> {
    const principal = currentPrincipal();
    const { service, route, form } = await this.firstStage(serviceId, spec);
    const active = (await this.releasesOf(service)).find((r) => ACTIVE.has(statusOf(r).phase));
    if (active)
      throw new ApiError(
        409,
        'ReleaseInProgress',
        `Release ${active.metadata.name} of ${service.id} is ${statusOf(active).phase}; finish or abort it before starting another`,
      );
    // The control plane judges the first stage before anything is written.
    await this.deps.routing
      .preview(serviceId, form, route.rule ? route.name : undefined)
      .catch((err: unknown) => {
        throw this.asReleaseError(err, spec);
      });
    const { name, ...rest } = spec;
    const started = startRelease(spec, this.now());
    const obj = await this.deps.store.create(
      service.namespace,
      name,
      {
        ...rest,
        target: { serviceId: service.id, host: service.host, routeKind: route.kind, routeName: route.name },
        createdBy: {
          name: principal?.name ?? 'anonymous',
          role: principal?.role ?? 'operator',
          groups: principal?.groups ?? [],
        },
      },
      started.status,
    );
    noteAudit(started.status.log.at(-1)?.message);
    return toView(await this.perform(obj, started, 'start', 'request'));
  }

  /**
   * An operator's action; 409 with the state machine's reason when it does not apply now. The
   * controller records the gates every tick, so an action that loses that race is judged again on
   * the newer status (a few times) rather than answered with a conflict.
   */
  async act(serviceId: string, name: string, action: ReleaseAction, reason?: string): Promise<ReleaseView> {
    const by = currentPrincipal()?.name ?? 'anonymous';
    const event: ReleaseEvent =
      action === 'pause'
        ? { kind: 'pause', by, reason: reason ?? 'paused from the console' }
        : { kind: action, by };
    for (let attempt = 1; ; attempt++) {
      const obj = await this.object(serviceId, name);
      const transition = nextState(releaseOf(obj), event, this.now());
      if (transition.refused) throw new ApiError(409, 'ReleaseRefused', transition.refused);
      let recorded: ReleaseObject;
      try {
        // A transition that writes weights forgets the last ones until its own are written, so
        // the controller does not take the route, still as it was, for a hand edit meanwhile.
        const writes = transition.effects.some((e) => e.kind !== 'audit');
        recorded = await this.record(obj, transition.status, writes ? { applied: null } : {});
      } catch (err) {
        if (err instanceof ReleaseConflict && attempt < 5) continue;
        throw err;
      }
      return toView(await this.perform(recorded, transition, action, 'request', obj));
    }
  }

  /**
   * Records the weights a stage wrote. A newer status recorded meanwhile (the controller's gates)
   * is read again and the weights added to it, as long as it is still at the same stage.
   */
  private async recordApplied(
    obj: ReleaseObject,
    applied: NonNullable<ReleaseObjectStatus['applied']>,
  ): Promise<ReleaseObject> {
    let current = obj;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.record(current, statusOf(current), { applied });
      } catch (err) {
        if (!(err instanceof ReleaseConflict) || attempt >= 5) throw err;
        const fresh = await this.deps.store.find(obj.metadata.namespace, obj.metadata.name);
        if (!fresh) throw err;
        const was = statusOf(current);
        const now = statusOf(fresh);
        if (now.phase !== was.phase || now.step !== was.step) return fresh;
        current = fresh;
      }
    }
  }

  /** Records a status on the version read (a conflict is a 409), keeping the samples and weights. */
  async record(
    obj: ReleaseObject,
    status: ReleaseStatus,
    extra: { sample?: ReleaseSample; applied?: ReleaseObjectStatus['applied'] | null } = {},
  ): Promise<ReleaseObject> {
    const samples = [...(obj.status?.samples ?? []), ...(extra.sample ? [extra.sample] : [])].slice(
      -SAMPLE_LIMIT,
    );
    const applied = extra.applied === null ? undefined : (extra.applied ?? obj.status?.applied);
    return this.deps.store.updateStatus(obj, {
      ...status,
      samples,
      ...(applied ? { applied } : {}),
    });
  }

  /**
   * Carries out a transition whose status is recorded on `obj`: its weight writes (comparing with
   * the live route first), then its audit records. A write that fails is fed back as `writeFailed`.
   * `before` is the object the event was judged on (for the audit action).
   */
  async perform(
    obj: ReleaseObject,
    transition: Transition,
    event: ReleaseEvent['kind'] | 'start',
    origin: Origin,
    before: ReleaseObject = obj,
  ): Promise<ReleaseObject> {
    let current = obj;
    const action = auditAction(event, statusOf(before), transition.status);
    for (const effect of transition.effects) {
      if (effect.kind === 'audit') {
        if (origin === 'request') noteAudit(effect.message);
        else this.auditDecision(current, action, effect.message);
        continue;
      }
      try {
        await this.writeWeights(current, effect, origin);
        current = await this.recordApplied(current, {
          ...stageOf(effect),
          step: effect.step,
          at: this.now().toISOString(),
        });
      } catch (err) {
        const error = describeWriteError(err);
        this.deps.log.warn({ err, release: current.metadata.name }, 'a release could not write its weights');
        const judged = releaseOf(current);
        const failed = nextState(judged, { kind: 'writeFailed', error }, this.now());
        if (failed.status !== judged.status) {
          current = await this.record(current, failed.status);
          for (const e of failed.effects)
            if (e.kind === 'audit') {
              if (origin === 'request') noteAudit(e.message);
              else this.auditDecision(current, 'releases.pause', e.message);
            }
        }
        break;
      }
    }
    return current;
  }

  /** The live route, or null when it does not exist. */
  async liveRoute(obj: ReleaseObject): Promise<RouteRule | null> {
    const { serviceId, routeName } = obj.spec.target;
    try {
      return await this.deps.routing.get(serviceId, routeName);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }

  /** The latest revision of the route: who wrote it, with what comment. */
  async latestRevision(obj: ReleaseObject) {
    const { serviceId, routeName } = obj.spec.target;
    return (await this.deps.routing.revisions(serviceId, routeName)).items[0];
  }

  /**
   * Writes a stage's weights unless the live route already sends them: through the routing
   * service, as the signed-in user (a request) or as the release's creator (the controller, which
   * then writes the change's audit record itself, named after its revision).
   */
  private async writeWeights(obj: ReleaseObject, effect: WeightEffect, origin: Origin): Promise<void> {
    const { spec } = releaseOf(obj);
    const rule = await this.liveRoute(obj);
    const stage = stageOf(effect);
    if (rule?.form && sameWeights(liveWeights(rule.form, spec.name, spec), stage)) return;
    if (rule && !rule.form)
      throw new ApiError(409, 'RouteNotEditable', `route ${rule.name} can no longer be edited with the form`);
    const { serviceId, routeName } = obj.spec.target;
    const form: RouteForm = {
      ...stageForm(rule?.form ?? null, routeName, spec.name, spec, stage),
      ...(rule ? { resourceVersion: rule.resourceVersion } : {}),
      comment: effect.comment,
    };
    const write = async () => {
      const user = currentPrincipal()?.name ?? obj.spec.createdBy.name;
      if (rule) await this.deps.routing.update(serviceId, routeName, form, user);
      else await this.deps.routing.create(serviceId, form, user);
    };
    if (origin === 'request') return write();
    const ctx: RequestContext = { principal: creatorPrincipal(obj), changes: [] };
    await runWithContext(ctx, write);
    const revision = ctx.changes.find((c) => c.revision)?.revision;
    const service = this.deps.catalog.get(serviceId);
    this.deps.audit.record(
      {
        user: obj.spec.createdBy.name,
        role: obj.spec.createdBy.role,
        action: rule ? 'routes.update' : 'routes.create',
        method: rule ? 'PUT' : 'POST',
        path: `/services/${encodeURIComponent(serviceId)}/routes${rule ? `/${routeName}` : ''}`,
        serviceId,
        namespace: service?.namespace ?? obj.metadata.namespace,
        resource: { kind: 'routes', name: routeName },
        outcome: 'succeeded',
        status: rule ? 200 : 201,
        message: effect.comment,
        diff:
          ctx.changes
            .map((c) => c.diff)
            .filter(Boolean)
            .join('\n') || null,
      },
      { revision },
    );
  }

  /** The controller's decisions (a rollback, success, a pause it made) as audit records. */
  auditDecision(obj: ReleaseObject, action: string, message: string): void {
    const { serviceId } = obj.spec.target;
    this.deps.audit.record({
      user: `release:${obj.metadata.name}`,
      role: 'controller',
      action,
      method: 'POST',
      path: `/services/${encodeURIComponent(serviceId)}/releases/${obj.metadata.name}`,
      serviceId,
      namespace: obj.metadata.namespace,
      resource: { kind: 'releases', name: obj.metadata.name },
      outcome: 'succeeded',
      status: 200,
      message,
      diff: null,
    });
  }

  /** The stage weights a release in this status should have live (the plan's, or 100% stable). */
  stageWeights(obj: ReleaseObject): StageWeights {
    const { spec, status } = releaseOf(obj);
    if (status.phase === 'RolledBack') return { stable: 100, canary: 0 };
    const plan = releasePlan(spec);
    const stage = plan[status.phase === 'Succeeded' ? plan.length - 1 : status.step];
    if (!stage) return { stable: 100, canary: 0 };
    return {
      stable: 100 - stage.canaryWeight,
      canary: stage.canaryWeight,
      ...(stage.kind === 'header' ? { header: stage.header } : {}),
    };
  }
}

/** The request's audit record says what the release did (api/audit.ts). */
function noteAudit(message: string | undefined): void {
  const ctx = requestContext();
  if (ctx && message) (ctx.messages ??= []).push(message);
}

/** A failed write as the decision log says it: the API's own message, never internals. */
function describeWriteError(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  const status = kubeStatusOf(err);
  if (status) return `the control plane answered ${status.code}`;
  return 'the route could not be written';
}
