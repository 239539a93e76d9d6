import type { Logger } from 'pino';

/**
 * Keys waiting to be reconciled, each at most once however many events named it; drained a slice
 * per macrotask so HTTP requests are served in between. A failing reconcile is logged and dropped:
 * a bad object never stops the others (the next event about it queues it again).
 */
export class WorkQueue {
  private readonly pending = new Map<string, () => void>();
  private scheduled: NodeJS.Immediate | undefined;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly log: Logger,
    private readonly batchSize = 200,
  ) {}

  add(key: string, reconcile: () => void): void {
    if (this.stopped) return;
    // Re-adding moves nothing: the key keeps its place and runs once.
    if (!this.pending.has(key)) this.pending.set(key, reconcile);
    this.scheduled ??= setImmediate(() => this.drain());
  }

  stop(): void {
    this.stopped = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.pending.clear();
    this.notifyIdle();
  }

  /** Resolves once nothing is queued (for tests and orderly shutdown). */
  idle(): Promise<void> {
    if (this.pending.size === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private drain(): void {
    this.scheduled = undefined;
    let done = 0;
    // A slice of at most batchSize reconciles or ~20 ms, so requests waiting on the event loop get in.
    const until = performance.now() + 20;
    for (const [key, reconcile] of this.pending) {
      if (done++ >= this.batchSize || this.stopped || (done > 1 && performance.now() > until)) break;
      this.pending.delete(key);
      try {
        reconcile();
      } catch (err) {
        this.log.warn({ err, key }, 'reconcile failed');
      }
    }
    if (this.pending.size > 0 && !this.stopped) this.scheduled = setImmediate(() => this.drain());
    else this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
