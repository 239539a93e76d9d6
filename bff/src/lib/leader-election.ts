import crypto from 'node:crypto';
import os from 'node:os';
import type { Gauge } from 'prom-client';
import type { Logger } from './logger';

/** A coordination.k8s.io/v1 Lease as the election reads it: times in epoch milliseconds. */
export interface LeaseRecord {
  /** Empty or null: nobody holds it (the last holder released it). */
  holderIdentity: string | null;
  leaseDurationSeconds: number;
  acquireTime: number | null;
  renewTime: number | null;
  leaseTransitions: number;
  /** The version read; a write carries it, so two replicas never both win. */
  resourceVersion?: string;
}

/** Someone else wrote the Lease since it was read (HTTP 409): the write lost. */
export class LeaseConflict extends Error {
  constructor() {
    super('the lease was changed by another replica');
  }
}

/** How the election reads and writes its one Lease (the Kubernetes API, or a fake in tests). */
export interface LeaseApi {
  get(): Promise<LeaseRecord | null>;
  /** Throws LeaseConflict when it already exists. */
  create(lease: LeaseRecord): Promise<LeaseRecord>;
  /** Throws LeaseConflict when `lease.resourceVersion` is no longer current. */
  replace(lease: LeaseRecord): Promise<LeaseRecord>;
}

export type LeaseDecision =
  { write: 'create' | 'replace'; lease: LeaseRecord; takeover: boolean } | { write: null; holder: string };

/**
 * What a replica does with the Lease it read: renew it when it holds it, take it when nobody does
 * (absent, released, or not renewed for its duration), else nothing. Pure, so it is tested alone.
 */
export function decide(
  current: LeaseRecord | null,
  identity: string,
  now: number,
  durationSeconds: number,
  staleBefore = 0,
): LeaseDecision {
  const mine = (from: LeaseRecord | null, takeover: boolean): LeaseRecord => ({
    holderIdentity: identity,
    leaseDurationSeconds: durationSeconds,
    acquireTime: takeover || from?.acquireTime == null ? now : from.acquireTime,
    renewTime: now,
    leaseTransitions: (from?.leaseTransitions ?? 0) + (takeover && from ? 1 : 0),
    ...(from?.resourceVersion !== undefined ? { resourceVersion: from.resourceVersion } : {}),
  });
  if (!current) return { write: 'create', lease: mine(null, true), takeover: true };
  if (current.holderIdentity === identity)
    return { write: 'replace', lease: mine(current, false), takeover: false };
  const held = Boolean(current.holderIdentity);
  const expired =
    current.renewTime === null ||
    current.renewTime < staleBefore ||
    current.renewTime + current.leaseDurationSeconds * 1000 < now;
  if (held && !expired) return { write: null, holder: current.holderIdentity as string };
  return { write: 'replace', lease: mine(current, true), takeover: true };
}

/** Background work that runs on the leader only: started on winning the lease, stopped on losing it. */
export type LeaderTask = () => (() => Promise<void> | void) | Promise<() => Promise<void> | void>;

export interface LeaderElectorOptions {
  api: LeaseApi;
  /** The lease's name, for the `leader{lease}` metric and the logs. */
  name: string;
  identity?: string;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  clock?: () => number;
  log: Logger;
  /**
   * A lease last renewed before this time is free: the control plane this process started itself
   * was not running then, so its holder was a previous run (a console restarted after a crash
   * settles its own changes at once, not after the lease's duration).
   */
  staleBefore?: number;
  /** `mesh_console_leader{lease}`: 1 while leading. */
  gauge?: Gauge<'lease'>;
}

/** `<POD_NAME or hostname>-<random>`: two processes on one host (or a restarted pod) never share it. */
export function leaderIdentity(podName?: string): string {
  return `${podName || os.hostname()}-${crypto.randomBytes(4).toString('hex')}`;
}

/**
 * Leader election on one Lease, as client-go's leaderelection does it: every replica tries every
 * `renewIntervalMs`; the holder renews, the others take it once it has not been renewed for its
 * duration; every write carries the resourceVersion read, so of two replicas racing one gets a 409
 * and stays a follower. A holder that cannot renew for the whole duration stops its work, since
 * another replica may have taken over by then.
 */
export class LeaderElector {
  readonly identity: string;
  private readonly durationSeconds: number;
  private readonly renewIntervalMs: number;
  private readonly clock: () => number;
  private readonly tasks = new Set<LeaderTask>();
  private readonly running = new Map<LeaderTask, Promise<(() => Promise<void> | void) | null>>();
  private leading = false;
  private lastRenew = 0;
  private lease: LeaseRecord | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: LeaderElectorOptions) {
    this.identity = options.identity ?? leaderIdentity();
    this.durationSeconds = options.leaseDurationSeconds ?? 10;
    this.renewIntervalMs = options.renewIntervalMs ?? 2000;
    this.clock = options.clock ?? Date.now;
    options.gauge?.set({ lease: options.name }, 0);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Tries at once, then every renew interval, until `stop`. */
  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      void this.tick().finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(loop, this.renewIntervalMs);
        this.timer.unref();
      });
    };
    loop();
  }

  /** One attempt: read the Lease, renew or take it when due. Never throws (a failure is logged). */
  tick(): Promise<void> {
    this.ticking ??= this.attempt().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async attempt(): Promise<void> {
    const now = this.clock();
    try {
      const current = await this.options.api.get();
      const decision = decide(current, this.identity, now, this.durationSeconds, this.options.staleBefore);
      if (decision.write === null) {
        this.lease = current;
        await this.setLeading(false);
        return;
      }
      const written =
        decision.write === 'create'
          ? await this.options.api.create(decision.lease)
          : await this.options.api.replace(decision.lease);
      this.lease = written;
      this.lastRenew = now;
      if (decision.takeover)
        this.options.log.info(
          { lease: this.options.name, identity: this.identity, transitions: written.leaseTransitions },
          'became the leader',
        );
      await this.setLeading(true);
    } catch (err) {
      if (err instanceof LeaseConflict) {
        await this.setLeading(false);
        return;
      }
      this.options.log.warn({ err, lease: this.options.name }, 'could not read or renew the lease');
      if (this.leading && now - this.lastRenew >= this.durationSeconds * 1000) await this.setLeading(false);
    }
  }

  private async setLeading(leading: boolean): Promise<void> {
    if (leading === this.leading) return;
    this.leading = leading;
    this.options.gauge?.set({ lease: this.options.name }, leading ? 1 : 0);
    if (leading) for (const task of this.tasks) this.run(task);
    else {
      this.options.log.info({ lease: this.options.name, identity: this.identity }, 'no longer the leader');
      await this.stopTasks();
    }
  }

  private run(task: LeaderTask) {
    // Called at once (an async function runs up to its first await): a task's first step has
    // begun when the tick that won the lease resolves.
    const started = (async () => task())().catch((err: unknown) => {
      this.options.log.error({ err }, 'a leader task failed to start');
      return null;
    });
    this.running.set(task, started);
  }

  private async stopOne(task: LeaderTask) {
    const started = this.running.get(task);
    this.running.delete(task);
    const stop = await started;
    try {
      await stop?.();
    } catch (err) {
      this.options.log.warn({ err }, 'a leader task failed to stop');
    }
  }

  private async stopTasks() {
    await Promise.all([...this.running.keys()].map((t) => this.stopOne(t)));
  }

  /**
   * Runs `task` whenever this replica leads (at once when it does now): the task starts its work
   * and returns what stops it. Returns what unregisters it (stopping it when running).
   */
  whileLeading(task: LeaderTask): () => Promise<void> {
    this.tasks.add(task);
    if (this.leading) this.run(task);
    return async () => {
      this.tasks.delete(task);
      if (this.running.has(task)) await this.stopOne(task);
    };
  }

  /**
   * Stops trying. With `release`, a leader first stops its tasks, then clears the holder so the
   * next replica takes over on its next try instead of after the lease's duration.
   */
  async stop({ release }: { release: boolean }): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    const wasLeading = this.leading;
    await this.setLeading(false);
    if (!release || !wasLeading || !this.lease) return;
    try {
      await this.options.api.replace({
        ...this.lease,
        holderIdentity: null,
        renewTime: this.clock(),
      });
      this.options.log.info({ lease: this.options.name }, 'released the lease');
    } catch (err) {
      // Someone else holds it already, or the control plane is away: it expires by itself.
      this.options.log.warn({ err, lease: this.options.name }, 'could not release the lease');
    }
  }
}
