import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouteForm } from '../contract/routing';
import { echo, productcatalog, reviews } from './fixtures';
import { checkIstioObject } from './istio-schema';
import type { IstioApiVersion, RouteTarget } from './model';
import { planRoute } from './plan';

const versions: IstioApiVersion[] = ['v1', 'v1beta1', 'v1alpha3'];

function formFor(target: RouteTarget, seed: number): RouteForm {
  const vs = target.versions.map((v) => v.version);
  const [a, b] = [vs[seed % vs.length] as string, vs[(seed + 1) % vs.length] as string];
  const rpc = target.protocol === 'dubbo';
  return RouteForm.parse({
    name: `rule-${seed}`,
    routeType: 'condition',
    trafficSplit: true,
    destinations: [
      { version: a, weight: 30 },
      { version: b, weight: 70 },
    ],
    matches: [
      {
        match: rpc
          ? {
              rpcMethod: 'echo',
              attachments: [{ name: 'tag', type: 'prefix', value: 'gray' }],
              sourceLabels: { app: 'caller' },
            }
          : {
              headers: [{ name: 'end-user', type: 'exact', value: 'jason' }],
              uri: { type: 'regex', value: '^/api/.*' },
              method: { type: 'exact', value: 'POST' },
              sourceLabels: { app: 'productpage' },
            },
        destinations: [{ version: b, weight: 100 }],
      },
    ],
  });
}

describe('Istio objects the console writes', () => {
  it('checks against the official CRD schema', () => {
    // The checker itself must reject what a cluster rejects and see what it would prune.
    expect(
      checkIstioObject({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        spec: { hosts: 'not-a-list' },
      } as never).errors,
    ).not.toEqual([]);
    expect(
      checkIstioObject({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: {},
        spec: { dubbo: [] },
      } as never).pruned,
    ).toEqual(['spec.dubbo']);
  });

  it.each(versions.flatMap((v) => [reviews, productcatalog, echo].map((t) => [v, t.id, t] as const)))(
    'networking.istio.io/%s for %s: valid, nothing pruned',
    (istioVersion, _, target) => {
      const plan = planRoute(
        formFor(target, 1),
        target,
        { otherRoutes: [] },
        { dialect: 'istio', istioVersion },
      );
      expect(plan.writes).toHaveLength(2);
      for (const w of plan.writes) {
        expect(w.object.apiVersion).toBe(`networking.istio.io/${istioVersion}`);
        expect(checkIstioObject(w.object)).toEqual({ errors: [], pruned: [] });
      }
    },
  );

  it.each(versions)(
    'networking.istio.io/%s: a TCP split bound to gateways and the mesh (Istio’s tcp-traffic-shifting shape) is valid, nothing pruned',
    (istioVersion) => {
      const plan = planRoute(
        RouteForm.parse({
          name: 'tcp-split',
          routeType: 'version',
          trafficSplit: true,
          transport: 'tcp',
          gateways: ['bookinfo/tcp-gateway', 'mesh'],
          destinations: [
            { version: 'v1', weight: 80 },
            { version: 'v2', weight: 20 },
          ],
        }),
        { ...reviews, protocol: 'tcp' },
        { otherRoutes: [] },
        { dialect: 'istio', istioVersion },
      );
      const vs = plan.writes.find((w) => w.object.kind === 'VirtualService')?.object;
      expect(vs?.spec).toMatchObject({ gateways: ['bookinfo/tcp-gateway', 'mesh'], tcp: [{}] });
      expect(vs?.spec).not.toHaveProperty('http');
      for (const w of plan.writes) expect(checkIstioObject(w.object)).toEqual({ errors: [], pruned: [] });
    },
  );

  it('random weight splits stay valid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 1000 }), (w, seed) => {
        const f = formFor(reviews, seed);
        const form = {
          ...f,
          destinations: [
            { ...(f.destinations[0] as { version: string }), weight: w },
            { ...(f.destinations[1] as { version: string }), weight: 100 - w },
          ],
        };
        for (const write of planRoute(
          form,
          reviews,
          { otherRoutes: [] },
          { dialect: 'istio', istioVersion: 'v1' },
        ).writes) {
          expect(checkIstioObject(write.object)).toEqual({ errors: [], pruned: [] });
        }
      }),
      { numRuns: 50 },
    );
  });

  it('the sofa dialect writes spec.dubbo, which stock Istio prunes (and the preview says so)', () => {
    const plan = planRoute(
      formFor(echo, 0),
      echo,
      { otherRoutes: [] },
      { dialect: 'sofa', istioVersion: 'v1' },
    );
    const vs = plan.writes.find((w) => w.object.kind === 'VirtualService')?.object;
    expect(vs && checkIstioObject(vs).pruned).toEqual(['spec.dubbo']);
    expect(plan.warnings.some((w) => w.code === 'pruned-by-istio')).toBe(true);
  });
});
