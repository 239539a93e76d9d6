import { describe, expect, it } from 'vitest';
import { healthOf, linkTraffic } from './health';

const of = (requests: number, serverErrors: number, clientErrors: number) =>
  healthOf(requests, serverErrors, clientErrors);

describe("health by error rate (Kiali's default tolerances)", () => {
  it.each([
    ['no requests', 0, 0, 0, 'none'],
    ['no errors', 100, 0, 0, 'healthy'],
    ['a single 5xx in 10,000 is degraded', 10_000, 1, 0, 'degraded'],
    ['5xx just under 10% is degraded', 1000, 99.9, 0, 'degraded'],
    ['5xx at 10% is failing', 100, 10, 0, 'failing'],
    ['4xx just under 10% is healthy', 1000, 0, 99.9, 'healthy'],
    ['4xx at 10% is degraded', 100, 0, 10, 'degraded'],
    ['4xx just under 20% is degraded', 1000, 0, 199.9, 'degraded'],
    ['4xx at 20% is failing', 100, 0, 20, 'failing'],
    ['the worse class decides: 5xx failing beats 4xx healthy', 100, 10, 5, 'failing'],
    ['the worse class decides: 4xx failing beats 5xx degraded', 100, 1, 25, 'failing'],
  ])('%s', (_name, requests, server, client, expected) => {
    expect(of(requests, server, client)).toBe(expected);
  });

  it('reports rates per minute and ratios, null without requests', () => {
    expect(linkTraffic(2, 0.5, 0.1)).toEqual({
      requestsPerMinute: 120,
      errorRate: 0.3,
      serverErrorRate: 0.25,
      clientErrorRate: 0.05,
    });
    expect(linkTraffic(0, 0, 0).errorRate).toBeNull();
  });
});
