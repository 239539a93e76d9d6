import type { KubeObject, MeshObjects } from '../../clients/mesh-objects';
import { staleWrite, toApiError } from '../../clients/kube-errors';
import type { ServiceDetail } from '../../contract/catalog';
import type { PlannedObject, RevisionList } from '../../contract/routing';
import { ApiError, notFound } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { MeshObject } from '../../mesh/istio-types';
import type { PlannedWrite, RouteTarget } from '../../mesh/model';
import type { CatalogSource } from '../catalog/catalog';
import { dryRunWrites } from '../changes/apply';
import { applyAndRecord, describeWrites, listRevisions, retryOnPreconditionChange } from '../changes/flow';
import type { Change } from '../changes/flow';
import type { RevisionHistory } from '../changes/history';
import { routeTarget } from './target';

/**
 * One service for every kind of rule on a service (routes, rate limits, and the kinds to come):
 * list, get, preview (a server-side dry run), create, update, delete, revisions and rollback,
 * written once. A kind brings a `RuleKind`: how it reads its live objects, its pure plan and read
 * functions (`mesh/`), and the few hooks where kinds really differ (DEVELOPERS.md, "Kinds of rule").
 */

/** What a kind's service does, as the HTTP layer (`api/rules.ts`) calls it. */
export interface RuleOperations<Body, Rule, List, Preview> {
  list(serviceId: string): Promise<List>;
  get(serviceId: string, name: string): Promise<Rule>;
  preview(serviceId: string, body: Body, name?: string): Promise<Preview>;
  create(serviceId: string, body: Body, user: string): Promise<Rule>;
  update(serviceId: string, name: string, body: Body, user: string): Promise<Rule>;
  remove(serviceId: string, name: string, opts: RemoveOptions, user: string): Promise<void>;
  revisions(serviceId: string, name: string): Promise<RevisionList>;
  /** Writes an old revision as a new one; null when the revision restored is a deletion. */
  rollback(
    serviceId: string,
    name: string,
    revision: number,
    user: string,
    comment?: string,
  ): Promise<Rule | null>;
}

/** What a delete carries: the version the operator saw, and a comment. */
export interface RemoveOptions {
  resourceVersion?: string | undefined;
  comment?: string | undefined;
}

export interface RuleDeps {
  objects: MeshObjects;
  catalog: CatalogSource;
  /** The revisions of this kind (`new RevisionHistory(kube, 'routes')`). */
  history: RevisionHistory;
  log: Logger;
}

/** What every kind's context starts from: the catalog's service and the target its rules are for. */
export interface RuleContext {
  service: ServiceDetail;
  target: RouteTarget;
}

/** A kind's plan: the writes in a safe order, and what the operator should be warned of. */
export interface RulePlan<Warning = unknown> {
  writes: PlannedWrite[];
  warnings: Warning[];
}

/** What every kind's body carries besides its form: the version it was based on, and a comment. */
interface RuleBody {
  resourceVersion?: string | undefined;
  comment?: string | undefined;
}

/** The types of a kind: its request body, rule, list and preview answers, context and plan. */
export interface RuleTypes {
  body: RuleBody;
  rule: unknown;
  list: unknown;
  preview: unknown;
  context: RuleContext;
  plan: RulePlan;
}

/**
 * A kind of rule, as the service needs it. Everything here but `load` is pure: the context comes
 * in, objects, rules or plans go out. Messages are built from the nouns, so every kind says "was
 * not found", "already exists" and "was changed by someone else" the same way.
 */
export interface RuleKind<T extends RuleTypes> {
  /** One rule in messages, revisions and logs: `routing rule`, `rate limit`. */
  noun: string;
  /** The word for it in "the rules of …" and "the rule": `rule`, `rate limit`. */
  shortNoun: string;
  /** Reads the kind's live objects on the service (its own, and others it lists read-only). */
  load(base: RuleContext, objects: MeshObjects): Promise<T['context']>;
  /** The rule's main object (whose resourceVersion the form is based on), when the rule exists. */
  find(ctx: T['context'], name: string): MeshObject | undefined;
  /** Whether a new rule cannot take the name (default: `find` finds a rule of that name). */
  taken?(ctx: T['context'], name: string): boolean;
  /** One rule as the API shows it, or null when the kind does not show it as one of its rules. */
  read(ctx: T['context'], name: string): T['rule'] | null;
  list(ctx: T['context']): T['list'];
  /** The name of the rule a body writes, when the body says. */
  nameOf(body: T['body']): string | undefined;
  /** The writes a body makes, checked against the service; `name` is set when updating that rule. */
  plan(ctx: T['context'], body: T['body'], name: string | undefined): T['plan'];
  /** The writes that delete a rule; `resourceVersion` is the one the operator saw, when sent. */
  planDelete(ctx: T['context'], name: string, resourceVersion: string | undefined): T['plan'];
  /**
   * The writes that make a revision's objects (`saved`) live again (none when there is nothing to
   * do), and whether the rule exists afterwards (false when the revision was a deletion).
   */
  planRollback(
    ctx: T['context'],
    name: string,
    saved: KubeObject[],
    revision: number,
  ): { plan?: T['plan']; restored: boolean };
  /** The preview's answer, from the plan and its writes as the operator sees them. */
  preview(ctx: T['context'], plan: T['plan'], objects: PlannedObject[]): T['preview'];
  /**
   * For a body whose objects must be judged as the control plane would store them (pruned and
   * defaulted), the check to run on the dry run's result; it runs before the body is written too.
   */
  judgeStored?(
    ctx: T['context'],
    body: T['body'],
  ): ((stored: (KubeObject | undefined)[]) => void) | undefined;
  /** Which written objects a revision keeps, and which are the rule's own (`Change`; default: all). */
  recordOf?(ctx: T['context'], name: string): Pick<Change, 'keep' | 'isRuleObject'>;
}

type Action = 'create' | 'update' | 'delete' | 'rollback';

const capitalized = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/**
 * A kind's rules, from form to control plane. Every change is planned on what it reads, previewed
 * the same way it is written, recorded as a pending revision before anything is written, undone when
 * a later write fails, and planned again when an object it relies on moved meanwhile
 * (`retryOnPreconditionChange`). Writes carry the resourceVersion the operator's form was based on.
 */
export class RuleService<T extends RuleTypes> implements RuleOperations<
  T['body'],
  T['rule'],
  T['list'],
  T['preview']
> {
  constructor(
    protected readonly deps: RuleDeps,
    protected readonly kind: RuleKind<T>,
  ) {}

  private get Noun(): string {
    return capitalized(this.kind.noun);
  }

  protected async context(serviceId: string): Promise<T['context']> {
    const service = this.deps.catalog.get(serviceId);
    if (!service) throw notFound(`Service ${serviceId} was not found`);
    const target = routeTarget(service);
    return this.kind.load({ service, target }, this.deps.objects).catch((err: unknown) => {
      throw toApiError(err, `the ${this.kind.shortNoun}s of ${serviceId}`) ?? err;
    });
  }

  private existing(ctx: T['context'], serviceId: string, name: string, resourceVersion: string | undefined) {
    const current = this.kind.find(ctx, name);
    if (!current) throw notFound(`${this.Noun} ${name} of ${serviceId} was not found`);
    if (resourceVersion !== undefined && resourceVersion !== current.metadata.resourceVersion)
      throw staleWrite(`${this.Noun} ${name}`);
    return current;
  }

  async list(serviceId: string): Promise<T['list']> {
    return this.kind.list(await this.context(serviceId));
  }

  async get(serviceId: string, name: string): Promise<T['rule']> {
    const rule = this.kind.read(await this.context(serviceId), name);
    if (!rule) throw notFound(`${this.Noun} ${name} of ${serviceId} was not found`);
    return rule;
  }

  /**
   * The control plane validates the objects (a server-side dry run), so a preview that passes is a
   * change that will be accepted; a kind that must judge what would be stored does it here.
   */
  private async dryRun(ctx: T['context'], plan: T['plan'], body: T['body']): Promise<void> {
    const stored = await dryRunWrites(this.deps.objects, plan.writes).catch((err: unknown) => {
      throw toApiError(err, `the ${this.kind.shortNoun}`) ?? err;
    });
    this.kind.judgeStored?.(ctx, body)?.(stored);
  }

  async preview(serviceId: string, body: T['body'], name?: string): Promise<T['preview']> {
    const ctx = await this.context(serviceId);
    const plan = this.kind.plan(ctx, body, name);
    const checked = this.dryRun(ctx, plan, body);
    // Handled here, thrown below: a refusal that comes while the YAML is made is not unhandled.
    checked.catch(() => undefined);
    // The YAML and diffs are made while the control plane checks the writes: once the dry runs
    // are on the wire (Node writes a request on a later tick), not before.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let objects: PlannedObject[];
    try {
      objects = describeWrites(plan.writes, ctx.target.namespace);
    } finally {
      await checked;
    }
    return this.kind.preview(ctx, plan, objects);
  }

  private async apply(
    ctx: T['context'],
    plan: T['plan'],
    rule: string,
    action: Action,
    user: string,
    extra: { comment?: string | undefined; fromRevision?: number },
  ): Promise<void> {
    await applyAndRecord(this.deps, plan.writes, {
      kind: this.kind.noun,
      namespace: ctx.target.namespace,
      serviceId: ctx.service.id,
      rule,
      action,
      user,
      comment: extra.comment,
      fromRevision: extra.fromRevision,
      ...this.kind.recordOf?.(ctx, rule),
    });
  }

  /** Plans a body and writes it, judging it as stored first when the kind asks for that. */
  private async write(
    ctx: T['context'],
    body: T['body'],
    name: string | undefined,
    rule: string,
    action: Action,
    user: string,
  ) {
    const plan = this.kind.plan(ctx, body, name);
    if (this.kind.judgeStored?.(ctx, body)) await this.dryRun(ctx, plan, body);
    await this.apply(ctx, plan, rule, action, user, { comment: body.comment });
  }

  // Each change below is planned on what it reads; when an object it relies on but does not own
  // moves while it is applied, it is read and planned again.

  async create(serviceId: string, body: T['body'], user: string): Promise<T['rule']> {
    const name = this.kind.nameOf(body);
    return retryOnPreconditionChange(async () => {
      const ctx = await this.context(serviceId);
      const taken = (n: string) => (this.kind.taken ? this.kind.taken(ctx, n) : !!this.kind.find(ctx, n));
      if (name && taken(name))
        throw new ApiError(
          409,
          'AlreadyExists',
          `${this.Noun} ${name} already exists; edit it or choose another name`,
          'name',
        );
      // A new rule is based on no version.
      const fresh = body.resourceVersion === undefined ? body : { ...body, resourceVersion: undefined };
      await this.write(ctx, fresh, undefined, name ?? '', 'create', user);
      return this.get(serviceId, name ?? '');
    });
  }

  async update(serviceId: string, name: string, body: T['body'], user: string): Promise<T['rule']> {
    return retryOnPreconditionChange(async () => {
      const ctx = await this.context(serviceId);
      this.existing(ctx, serviceId, name, body.resourceVersion);
      await this.write(ctx, body, name, name, 'update', user);
      return this.get(serviceId, name);
    });
  }

  async remove(serviceId: string, name: string, opts: RemoveOptions, user: string): Promise<void> {
    await retryOnPreconditionChange(async () => {
      const ctx = await this.context(serviceId);
      this.existing(ctx, serviceId, name, opts.resourceVersion);
      const plan = this.kind.planDelete(ctx, name, opts.resourceVersion);
      await this.apply(ctx, plan, name, 'delete', user, { comment: opts.comment });
    });
  }

  revisions(serviceId: string, name: string): Promise<RevisionList> {
    return listRevisions(this.deps.catalog, this.deps.history, serviceId, name);
  }

  /** Writes an old revision as a new one: its objects made live again, or the rule deleted if it was then. */
  rollback(serviceId: string, name: string, revision: number, user: string, comment?: string) {
    return retryOnPreconditionChange(async () => {
      const ctx = await this.context(serviceId);
      const rev = await this.deps.history.get(ctx.target.namespace, serviceId, name, revision);
      if (!rev) throw notFound(`Revision ${revision} of ${this.kind.noun} ${name} was not found`);
      const { plan, restored } = this.kind.planRollback(ctx, name, rev.raw, revision);
      if (plan) await this.apply(ctx, plan, name, 'rollback', user, { comment, fromRevision: revision });
      return restored ? this.get(serviceId, name) : null;
    });
  }
}
