import { describe, expect, it } from 'vitest';
import { candidateHosts, qualifyHost, resolveGatewayName } from './hosts';
import { durationMs, percentValue } from './read';

describe('durations as Istio’s CRDs accept them (Go/CEL duration syntax)', () => {
  it.each([
    ['1s', 1000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['.5s', 500],
    ['1m', 60_000],
    ['3m', 180_000],
    ['1h30m', 5_400_000],
    ['250us', 0.25],
    ['0', 0],
    ['0s', 0],
  ])('%s → %d ms', (text, ms) => {
    expect(durationMs(text)).toBeCloseTo(ms, 6);
  });

  it.each(['', 's', '1', '1d', '1 s', 'soon', 5])('%j is unreadable', (v) => {
    expect(durationMs(v)).toBeUndefined();
  });
});

describe('percentages', () => {
  it('reads Percent.value and clamps it to 0..100', () => {
    expect(percentValue({ value: 12.5 })).toBe(12.5);
    expect(percentValue({ value: 150 })).toBe(100);
    expect(percentValue({})).toBe(0);
    expect(percentValue(undefined)).toBeUndefined();
  });
});

describe('host names', () => {
  it.each([
    ['reviews', 'default', 'reviews.default.svc.cluster.local'],
    ['Reviews', 'default', 'reviews.default.svc.cluster.local'],
    ['reviews.prod', 'default', 'reviews.prod'],
    ['*.example.com', 'default', '*.example.com'],
    ['*', 'default', '*'],
    ['10.0.0.1', 'default', '10.0.0.1'],
  ])('qualifies %s in %s as %s', (host, ns, expected) => {
    expect(qualifyHost(host, ns)).toBe(expected);
  });

  it.each([
    ['mesh', 'mesh'],
    ['bookinfo-gateway', 'default/bookinfo-gateway'],
    ['./bookinfo-gateway', 'default/bookinfo-gateway'],
    ['istio-system/ingress', 'istio-system/ingress'],
    ['ingress.istio-system.svc.cluster.local', 'istio-system/ingress'],
    ['ingress.istio-system', 'istio-system/ingress'],
  ])('resolves the gateway reference %s of a rule in default as %s', (ref, expected) => {
    expect(resolveGatewayName(ref, 'default')).toBe(expected);
  });

  it('expands a caller’s short name through its DNS search path', () => {
    expect(candidateHosts('reviews:9080', 'default')).toContain('reviews.default.svc.cluster.local');
    expect(candidateHosts('reviews.prod', 'default')).toContain('reviews.prod.svc.cluster.local');
    expect(candidateHosts('reviews.default.svc.cluster.local', 'other')).toEqual([
      'reviews.default.svc.cluster.local',
    ]);
  });
});
