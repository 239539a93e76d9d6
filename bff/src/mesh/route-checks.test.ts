import { describe, expect, it } from 'vitest';
import { reviews } from './fixtures';
import { routeProblems } from './route-checks';
import type { RouteCheckScope } from './route-checks';

const HOST = 'reviews.bookinfo.svc.cluster.local';
const scope = (over: Partial<RouteCheckScope> = {}): RouteCheckScope => ({
  host: HOST,
  isTargetHost: (h) => h === 'reviews' || h === HOST,
  subsets: ['v1', 'v2', 'v3'].map((v) => ({ name: v, labels: { version: v } })),
  versions: reviews.versions,
  ...over,
});
const split = (...pairs: [string, number][]) => ({
  http: [{ route: pairs.map(([subset, weight]) => ({ destination: { host: 'reviews', subset }, weight })) }],
});

describe('routeProblems', () => {
  it('accepts a split that totals 100 to defined subsets with ready instances', () => {
    expect(routeProblems(split(['v1', 20], ['v3', 80]), scope())).toEqual([]);
  });

  it('refuses 60/30 with where and the total', () => {
    expect(routeProblems(split(['v1', 60], ['v2', 30]), scope())).toEqual([
      { path: 'spec.http[0].route', message: 'spec.http[0]: the weights total 90, not 100' },
    ]);
  });

  it('checks TCP and TLS routes too', () => {
    const spec = {
      tcp: [
        {
          route: [
            { destination: { host: 'reviews', subset: 'v1' }, weight: 50 },
            { destination: { host: 'reviews', subset: 'v2' }, weight: 40 },
          ],
        },
      ],
    };
    expect(routeProblems(spec, scope()).map((p) => p.path)).toEqual(['spec.tcp[0].route']);
  });

  it('names a subset no DestinationRule of the host defines, in a route or a mirror', () => {
    const spec = {
      http: [
        {
          route: [{ destination: { host: 'reviews', subset: 'v9' } }],
          mirror: { host: 'reviews', subset: 'v8' },
        },
      ],
    };
    expect(routeProblems(spec, scope()).map((p) => p.message)).toEqual([
      `spec.http[0].route[0]: subset v9 is not defined in any DestinationRule for ${HOST}`,
      `spec.http[0].mirror: subset v8 is not defined in any DestinationRule for ${HOST}`,
    ]);
  });

  it('refuses traffic to a subset that selects no ready instance, but not a weight of 0 to it', () => {
    const down = scope({
      versions: reviews.versions.map((v) => (v.version === 'v2' ? { ...v, readyInstances: 0 } : v)),
    });
    expect(routeProblems(split(['v1', 50], ['v2', 50]), down).map((p) => p.message)).toEqual([
      `spec.http[0].route[1]: subset v2 selects no ready instance of ${HOST}; its traffic would fail`,
    ]);
    expect(routeProblems(split(['v1', 100], ['v2', 0]), down)).toEqual([]);
  });

  it('leaves destinations on other hosts alone', () => {
    const spec = { http: [{ route: [{ destination: { host: 'ratings', subset: 'nope' } }] }] };
    expect(routeProblems(spec, scope())).toEqual([]);
  });
});
