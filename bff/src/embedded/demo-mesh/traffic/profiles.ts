import type { Protocol } from '../../../contract/catalog';
import { hashedBetween } from './rng';
import type { Rng } from './rng';

/** What one version of an application is like: how fast, how reliable, how big its messages are. */
export interface VersionProfile {
  latencyMedianMs: number;
  latencySigma: number;
  /** Share of requests the application answers with a 5xx. */
  errorRate: number;
  requestBytesMedian: number;
  responseBytesMedian: number;
}

/**
 * The demo's characters. Most applications are healthy, and healthy here means no 5xx at all: the
 * topology judges health as Kiali does (features/topology/health.ts), where a single 5xx makes a
 * node degraded. A few are not, by design, so the topology, the Top 5 and a weight shift have
 * something to show (tests assert these by name, see DEMO_CHARACTERS):
 *  - sofa-demo/sofa-hello fails: 20% of 1.0's requests and 45% of 1.1's are 5xx (failing from 10%);
 *  - shop/payment is degraded: v2 answers 3% 5xx, v1 none (a rollout gone a little wrong);
 *  - bookinfo/ratings is degraded: v2, on VMs, answers 2% 5xx, v1 none;
 *  - dubbo-demo/greeting-provider is slow (1.1.0 slower still), not failing.
 * The error drift moves a rate between about 0.5× and 2× of its own (see Drift), so a degraded one
 * stays between 1% and 6%, never healthy nor failing, and sofa-hello as a whole stays above 10%.
 * Everything else gets a plausible, stable character of its own from a hash of its name.
 */
const CHARACTERS: Record<string, (version: string) => Partial<VersionProfile>> = {
  'sofa-demo/sofa-hello': (v) => ({ errorRate: v === '1.1' ? 0.45 : 0.2 }),
  'shop/payment': (v) => ({ errorRate: v === 'v2' ? 0.03 : 0 }),
  'bookinfo/ratings': (v) => ({ errorRate: v === 'v2' ? 0.02 : 0 }),
  'dubbo-demo/greeting-provider': (v) => ({ latencyMedianMs: v === '1.1.0' ? 380 : 210, latencySigma: 0.35 }),
};

/** The applications the demo makes unhealthy on purpose (namespace/app), for tests and docs. */
export const DEMO_CHARACTERS = {
  failing: ['sofa-demo/sofa-hello'],
  degraded: ['shop/payment', 'bookinfo/ratings'],
} as const;

const BASE: Record<Protocol, { latency: [number, number]; request: [number, number] }> = {
  http: { latency: [12, 45], request: [300, 1500] },
  http2: { latency: [10, 35], request: [300, 1500] },
  springcloud: { latency: [15, 50], request: [300, 1500] },
  grpc: { latency: [4, 15], request: [150, 800] },
  dubbo: { latency: [2, 10], request: [200, 1000] },
  sofarpc: { latency: [2, 10], request: [200, 1000] },
  tcp: { latency: [1, 5], request: [100, 500] },
};

export function versionProfile(
  namespace: string,
  app: string,
  protocol: Protocol,
  version: string,
): VersionProfile {
  const key = `${namespace}/${app}/${version}`;
  const base = BASE[protocol];
  const profile: VersionProfile = {
    latencyMedianMs: hashedBetween(`${key}/latency`, base.latency[0], base.latency[1]),
    latencySigma: hashedBetween(`${key}/sigma`, 0.45, 0.8),
    // Healthy: no 5xx (see CHARACTERS for the ones that answer some).
    errorRate: 0,
    requestBytesMedian: hashedBetween(`${key}/request`, base.request[0], base.request[1]),
    responseBytesMedian: hashedBetween(`${key}/response`, 800, 8000),
  };
  return { ...profile, ...(CHARACTERS[`${namespace}/${app}`]?.(version) ?? {}) };
}

/** Requests per second that arrive from outside the mesh at an application nobody in the mesh calls. */
export function entryRate(namespace: string, app: string): number {
  return hashedBetween(`${namespace}/${app}/entry`, 4, 12);
}

/** How many calls to `to` one request to `from` makes, on average. */
export function fanOut(from: string, to: string): number {
  return hashedBetween(`${from}->${to}`, 0.5, 1.2);
}

/**
 * A slowly wandering multiplier around 1: a daily-traffic-like wave (one period every 15 minutes, so a
 * demo shows it) times a mean-reverting random walk. Bounded, so a demo never drifts into nonsense.
 */
export class Drift {
  private walk = 0;

  constructor(
    private readonly phase: number,
    private readonly amplitude: number,
    private readonly volatility: number,
  ) {}

  static for(key: string, amplitude: number, volatility: number): Drift {
    return new Drift(hashedBetween(`${key}/phase`, 0, 2 * Math.PI), amplitude, volatility);
  }

  /** Advances by `dtSeconds` and returns the multiplier at `nowMs`. */
  step(nowMs: number, dtSeconds: number, rng: Rng): number {
    const theta = 1 / 120; // reverts to the mean over about two minutes
    this.walk += -theta * this.walk * dtSeconds + this.volatility * Math.sqrt(dtSeconds) * rng.normal();
    this.walk = Math.max(-0.4, Math.min(0.4, this.walk));
    const wave = 1 + this.amplitude * Math.sin((2 * Math.PI * nowMs) / 900_000 + this.phase);
    return Math.max(0.3, wave * Math.exp(this.walk));
  }
}
