import { describe, expect, it } from 'vitest';
import { RouteForm } from '../../contract/routing';
import { headerConditionName, liveWeights, sameWeights, stageForm, writtenByRelease } from './route-weights';

const versions = { stable: 'v1', canary: 'v3' };
const jason = {
  name: 'jason',
  match: { headers: [{ name: 'end-user', type: 'exact' as const, value: 'jason' }] },
  destinations: [{ version: 'v2', weight: 100 }],
};
const base = RouteForm.parse({
  name: 'reviews',
  routeType: 'condition',
  trafficSplit: true,
  destinations: [
    { version: 'v1', weight: 80 },
    { version: 'v2', weight: 20 },
  ],
  matches: [jason],
  gateways: ['mesh', 'bookinfo/gateway'],
});

describe('a release stage as the route form', () => {
  it('puts the header condition first, keeps the route’s other conditions and gateways, and owns the split', () => {
    const form = stageForm(base, 'reviews', 'reviews-v3', versions, {
      stable: 100,
      canary: 0,
      header: { name: 'x-canary', value: 'on' },
    });
    expect(RouteForm.safeParse(form).success).toBe(true);
    expect(form.matches.map((m) => m.name)).toEqual([headerConditionName('reviews-v3'), 'jason']);
    expect(form.matches[0]?.destinations).toEqual([{ version: 'v3', weight: 100 }]);
    expect(form.destinations).toEqual([
      { version: 'v1', weight: 100 },
      { version: 'v3', weight: 0 },
    ]);
    expect(form.gateways).toEqual(['mesh', 'bookinfo/gateway']);
    const live = liveWeights(form, 'reviews-v3', versions);
    expect(live).toEqual({ stable: 100, canary: 0, others: 0, header: { name: 'x-canary', value: 'on' } });
    expect(sameWeights(live, { stable: 100, canary: 0, header: { name: 'x-canary', value: 'on' } })).toBe(
      true,
    );
    expect(sameWeights(live, { stable: 100, canary: 0 })).toBe(false);
  });

  it('drops its header condition at the weight steps; a route without conditions is a version route', () => {
    const header = stageForm(null, 'reviews', 'r', versions, {
      stable: 100,
      canary: 0,
      header: { name: 'x-canary', value: 'on' },
    });
    const weights = stageForm(header, 'reviews', 'r', versions, { stable: 75, canary: 25 });
    expect(weights.routeType).toBe('version');
    expect(weights.matches).toEqual([]);
    expect(RouteForm.safeParse(weights).success).toBe(true);
  });

  it('sees weight on other versions and a one-destination route as what they send', () => {
    expect(liveWeights(base, 'r', versions)).toEqual({ stable: 80, canary: 0, others: 20 });
    const single = RouteForm.parse({
      name: 'reviews',
      routeType: 'version',
      trafficSplit: false,
      destinations: [{ version: 'v1', weight: 100 }],
    });
    expect(liveWeights(single, 'r', versions)).toEqual({ stable: 100, canary: 0, others: 0 });
    expect(sameWeights(liveWeights(base, 'r', versions), { stable: 80, canary: 0 })).toBe(false);
  });

  it('tells the release’s own revisions by their comment', () => {
    expect(writtenByRelease('canary step 3 by release reviews-v3', 'reviews-v3')).toBe(true);
    expect(writtenByRelease('rollback by release reviews-v3', 'reviews-v3')).toBe(true);
    expect(writtenByRelease('canary promoted by bob (release reviews-v3)', 'reviews-v3')).toBe(true);
    expect(writtenByRelease('canary step 3 by release reviews-v3x', 'reviews-v3')).toBe(false);
    expect(writtenByRelease('tuning', 'reviews-v3')).toBe(false);
    expect(writtenByRelease(undefined, 'reviews-v3')).toBe(false);
  });
});
