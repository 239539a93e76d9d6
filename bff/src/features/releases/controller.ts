import { renderContractText } from '../../contract/messages';
import { ApiError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { nextState, releasePlan } from '../../mesh/release';
import type { GateReadings, ReleaseEvent } from '../../mesh/release';
import type { TelemetrySource } from '../monitoring/telemetry';
import type { ReleaseObject } from './crd';
import { readGates, sampleOf } from './readings';
import { describeWeights, liveWeights, sameWeights, writtenByRelease } from './route-weights';
import type { ReleaseService } from './service';
import { releaseOf } from './service';
import { ReleaseConflict } from './store';

export interface ControllerOptions {
  releases: ReleaseService;
  telemetry: TelemetrySource;
  log: Logger;
  /** Time between two evaluations of every release (default 1 s). */
  tickMs?: number;
  /** The shortest gate window, in seconds (default 10). */
  minWindowSeconds?: number;
  clock?: () => Date;
}

const TERMINAL = new Set(['Succeeded', 'RolledBack']);

/** How long the request that starts a release has to write its first stage before the controller does. */
const STARTING_MS = 30_000;

/** How long a finished release whose final weights could not be written waits before trying again. */
const FINAL_RETRY_MS = 10_000;

/**
 * Drives releases, on the leader only (`console.leader.whileLeading(controller.run)`): on taking
 * the lease it feeds every release `restart` (the recorded step's weights made live again, if they
 * are not), then every tick, for each Progressing release, it checks the route was not edited by
 * someone else (`manualEdit`), reads the gates over the stage's window, feeds `tick`, records the
 * status with a sample, and carries out the effects. Everything it knows is on the objects, so a
 * new leader continues where the last one stopped.
 */
export class ReleaseController {
  private readonly tickMs: number;
  private readonly minWindowSeconds: number;
  private readonly now: () => Date;
  private readonly finalTried = new Map<string, number>();

  constructor(private readonly options: ControllerOptions) {
    this.tickMs = options.tickMs ?? 1000;
    this.minWindowSeconds = options.minWindowSeconds ?? 10;
    this.now = options.clock ?? (() => new Date());
  }

  /** A leader task: runs until the returned stop is called (it lets a pass under way finish). */
  readonly run = (): (() => Promise<void>) => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let pass: Promise<void> = this.pass(true);
    const schedule = () => {
      if (stopped) return;
      timer = setTimeout(() => {
        pass = this.pass(false).finally(schedule);
      }, this.tickMs);
      timer.unref();
    };
    void pass.finally(schedule);
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await pass;
    };
  };

  /** One round over every release; a failure of one release is logged and does not stop the others. */
  async pass(restart: boolean): Promise<void> {
    let all: ReleaseObject[];
    try {
      all = await this.options.releases.store.list();
    } catch (err) {
      this.options.log.warn({ err }, 'could not list releases');
      return;
    }
    for (const obj of all) {
      try {
        await this.drive(obj, restart);
      } catch (err) {
        if (err instanceof ReleaseConflict) continue; // someone recorded a newer status: next tick
        this.options.log.warn({ err, release: obj.metadata.name }, 'could not drive a release');
      }
    }
  }

  private async drive(obj: ReleaseObject, restart: boolean): Promise<void> {
    const { releases } = this.options;
    const release = releaseOf(obj);
    const { status } = release;
    if (TERMINAL.has(status.phase)) {
      // A finished release whose final weights were not recorded as written (the last leader died,
      // or the write failed): make them live, at most every few seconds.
      const final = releases.stageWeights(obj);
      const applied = obj.status?.applied;
      if (applied && sameWeights({ ...applied, others: 0 }, final)) return;
      // A request that just finished the release (promote, abort) is writing them itself.
      const decidedAt = Date.parse(status.log.at(-1)?.at ?? '');
      if (!applied && this.now().getTime() - decidedAt < FINAL_RETRY_MS) return;
      const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
      const last = this.finalTried.get(key) ?? 0;
      if (!restart && this.now().getTime() - last < FINAL_RETRY_MS) return;
      this.finalTried.set(key, this.now().getTime());
      await this.feed(obj, { kind: 'restart' });
      return;
    }
    // The request that starts a release records its status and writes its first stage; only one
    // that stopped half-way (no weights recorded a while after) is the controller's to finish.
    const age = this.now().getTime() - Date.parse(obj.metadata.creationTimestamp ?? '');
    if (!obj.status?.applied && status.phase === 'Progressing' && !(age > STARTING_MS)) return;
    if (!obj.status?.phase) {
      await this.feed(await releases.record(obj, status), { kind: 'restart' });
      return;
    }
    if (status.phase !== 'Progressing') return;
    const edit = await this.manualEdit(obj);
    if (edit) {
      await this.feed(obj, { kind: 'manualEdit', detail: edit });
      return;
    }
    if (restart) {
      await this.feed(obj, { kind: 'restart' });
      return;
    }
    const now = this.now();
    const stage = releasePlan(release.spec)[status.step];
    let readings: GateReadings;
    try {
      readings = await readGates(
        this.options.telemetry,
        obj.spec.target.serviceId,
        release.spec,
        (now.getTime() - Date.parse(status.stepStartedAt)) / 1000,
        this.minWindowSeconds,
        now.getTime(),
      );
    } catch (err) {
      // No telemetry is no verdict: the step waits, and its gates say why (recorded once).
      if (!(err instanceof ApiError)) throw err;
      const text = [{ key: 'release.telemetryUnavailable' as const, values: { error: err.message } }];
      const message = renderContractText(text);
      if (status.gates?.message !== message)
        await releases.record(obj, {
          ...status,
          gates: { at: now.toISOString(), verdict: 'wait', checks: [], message, text },
        });
      return;
    }
    const sample = sampleOf(readings, now, status.step, stage?.canaryWeight ?? 0);
    const transition = nextState(release, { kind: 'tick', readings }, now);
    const recorded = await releases.record(obj, transition.status, { sample });
    await releases.perform(recorded, transition, 'tick', 'controller', obj);
  }

  private async feed(obj: ReleaseObject, event: ReleaseEvent): Promise<void> {
    const { releases } = this.options;
    const release = releaseOf(obj);
    const transition = nextState(release, event, this.now());
    const recorded =
      transition.status === release.status ? obj : await releases.record(obj, transition.status);
    await releases.perform(recorded, transition, event.kind, 'controller', obj);
  }

  /**
   * Whether someone else changed the route since the release last wrote it: its weights differ
   * from what the release wrote, and the latest revision is not the release's own (a write of
   * the release whose record did not reach the status is not an edit). Returns what changed.
   */
  private async manualEdit(obj: ReleaseObject): Promise<string | null> {
    const applied = obj.status?.applied;
    if (!applied) return null;
    const { releases } = this.options;
    const { spec } = releaseOf(obj);
    const rule = await releases.liveRoute(obj);
    if (!rule) return `route ${obj.spec.target.routeName} was deleted`;
    if (!rule.form) return `route ${rule.name} can no longer be edited with the form`;
    const live = liveWeights(rule.form, spec.name, spec);
    if (sameWeights(live, applied)) return null;
    const latest = await releases.latestRevision(obj);
    if (latest && writtenByRelease(latest.comment, spec.name)) return null;
    const now = describeWeights(live, spec);
    const others = live.others > 0 ? `, ${live.others}% to other versions` : '';
    return `${latest?.user ?? 'someone'} set ${now}${others}; the release had set ${describeWeights(applied, spec)}`;
  }
}
