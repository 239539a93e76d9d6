import type { Health, LinkTraffic } from '../../contract/topology';

/**
 * Health by error rate, with Kiali's default tolerances (its `health_config.rate`, in percent there):
 * for 5xx (and requests that got no response) any error makes a node or edge degraded and 10%
 * failing; for 4xx, 10% is degraded and 20% failing, as some client errors (404s) are normal. As in
 * Kiali's `ascendingThresholdCheck`, a ratio above zero is failing from the failure tolerance on and
 * degraded from the degraded one on. The worse class decides.
 *
 * A degraded tolerance of 0 means a healthy service answers no 5xx at all over the window: that is
 * why the demo mesh's healthy applications answer none (embedded/demo-mesh/traffic/profiles.ts).
 */
const HEALTH_THRESHOLDS = {
  serverErrors: { degraded: 0, failure: 0.1 },
  clientErrors: { degraded: 0.1, failure: 0.2 },
} as const;

const RANK: Record<Health, number> = { none: 0, healthy: 1, degraded: 2, failing: 3 };

function judge(ratio: number, tolerance: { degraded: number; failure: number }): Health {
  if (!(ratio > 0)) return 'healthy';
  if (ratio >= tolerance.failure) return 'failing';
  if (ratio >= tolerance.degraded) return 'degraded';
  return 'healthy';
}

/** From rates per second (or per minute: only the ratios matter). */
export function healthOf(requests: number, serverErrors: number, clientErrors: number): Health {
  if (!(requests > 0)) return 'none';
  const server = judge(serverErrors / requests, HEALTH_THRESHOLDS.serverErrors);
  const client = judge(clientErrors / requests, HEALTH_THRESHOLDS.clientErrors);
  return RANK[server] >= RANK[client] ? server : client;
}

/**
 * Rounded for the wire: thousands of nodes and edges with 17-digit floats would double the response.
 * Ratios keep six decimals, so a single error in a million requests still shows (and explains a
 * degraded health).
 */
export function round<T extends number | null>(value: T, decimals: number): T {
  if (value === null) return value;
  const f = 10 ** decimals;
  return (Math.round(value * f) / f) as T;
}

/**
 * `part` of `requests` as a ratio for the wire. A module function, not a closure per link: the
 * build keeps function names (esbuild's keepNames), which names every closure again each time it is
 * created, and a topology of 5,000 services renders tens of thousands of links.
 */
function ratioOf(part: number, requests: number): number | null {
  return requests > 0 ? round(Math.min(1, Math.max(0, part / requests)), 6) : null;
}

/** The API's traffic figures of a link from its rates per second. */
export function linkTraffic(requests: number, serverErrors: number, clientErrors: number): LinkTraffic {
  return {
    requestsPerMinute: round(requests * 60, 3),
    errorRate: ratioOf(serverErrors + clientErrors, requests),
    serverErrorRate: ratioOf(serverErrors, requests),
    clientErrorRate: ratioOf(clientErrors, requests),
  };
}
