import { Router } from 'express';

export type ReadinessResult = { ready: true } | { ready: false; reason: string };

export interface ReadinessOptions {
  /** Whether the caches are synced (the catalog's informers); absent: synced once built. */
  synced?: () => boolean;
  /** Asks the control plane whether it answers. */
  controlPlane: () => Promise<boolean>;
  /** An answer of the control plane younger than this counts: probes every few seconds cost nothing. */
  freshMs?: number;
  clock?: () => number;
}

/**
 * Whether this replica should get traffic: its caches synced, the control plane answered
 * recently, and it is not draining (a SIGTERM turns it unready at once, before the listener
 * closes, so the endpoints controller takes the pod out while it still serves).
 */
export class Readiness {
  private drainingSince: number | null = null;
  private listenerClosed = false;
  private answeredAt: number | null = null;
  private asking: Promise<boolean> | null = null;
  private readonly freshMs: number;
  private readonly clock: () => number;

  constructor(private readonly options: ReadinessOptions) {
    this.freshMs = options.freshMs ?? 10_000;
    this.clock = options.clock ?? Date.now;
  }

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  /** The listener is closed: only the requests already in flight are still served. */
  get closed(): boolean {
    return this.listenerClosed;
  }

  startDraining(): void {
    this.drainingSince ??= this.clock();
  }

  stopAccepting(): void {
    this.startDraining();
    this.listenerClosed = true;
  }

  async check(): Promise<ReadinessResult> {
    if (this.draining) return { ready: false, reason: 'shutting down' };
    if (this.options.synced && !this.options.synced()) return { ready: false, reason: 'caches not synced' };
    const now = this.clock();
    if (this.answeredAt === null || now - this.answeredAt > this.freshMs) {
      // Concurrent probes share one question to the control plane.
      this.asking ??= this.options.controlPlane().finally(() => {
        this.asking = null;
      });
      if (await this.asking) this.answeredAt = this.clock();
      else return { ready: false, reason: 'control plane unreachable' };
    }
    return { ready: true };
  }
}

/**
 * `/livez` and `/readyz`, public, outside `/api`: what the kubelet asks. Liveness is the process
 * answering at all (a control plane that is away must not get every replica restarted).
 */
export function probesRouter(readiness: Readiness): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const result = await readiness.check();
    res.setHeader('cache-control', 'no-store');
    if (result.ready) res.json({ status: 'ok' });
    else res.status(503).json({ status: 'unavailable', reason: result.reason });
  });
  return router;
}
