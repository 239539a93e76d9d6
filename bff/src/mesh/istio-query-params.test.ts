import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { RouteForm } from '../contract/routing';
import { reviews } from './fixtures';
import { keptFields } from './istio-routes';
import { checkIstioObject } from './istio-schema';
import type { MeshObject } from './istio-types';
import { planRoute, readRoute } from './plan';

/** Query-parameter conditions in Istio's routes: HTTPMatchRequest.queryParams, a map of StringMatch. */
describe('query parameters in a VirtualService', () => {
  const options = { dialect: 'istio', istioVersion: 'v1' } as const;
  const form = RouteForm.parse({
    name: 'reviews',
    routeType: 'condition',
    trafficSplit: false,
    destinations: [{ version: 'v1', weight: 100 }],
    matches: [
      {
        match: {
          queryParams: [
            { name: 'debug', type: 'exact', value: 'true' },
            { name: 'user', type: 'prefix', value: 'test-' },
            { name: 'v', type: 'regex', value: '^2\\.[0-9]+$' },
          ],
        },
        destinations: [{ version: 'v2', weight: 100 }],
      },
    ],
  });

  it('writes each parameter under its name, as the Istio CRD takes it, and reads it back', () => {
    const plan = planRoute(form, reviews, { otherRoutes: [] }, options);
    for (const w of plan.writes) expect(checkIstioObject(w.object)).toEqual({ errors: [], pruned: [] });
    const [dr, vs] = plan.writes.map((w) => w.object) as [MeshObject, MeshObject];
    const http = (vs.spec as { http: { match?: unknown[] }[] }).http;
    expect(http[0]?.match).toEqual([
      {
        queryParams: {
          debug: { exact: 'true' },
          user: { prefix: 'test-' },
          v: { regex: '^2\\.[0-9]+$' },
        },
      },
    ]);
    expect(readRoute(vs, reviews, { destinationRule: dr })).toEqual({ form, reasons: [] });
    // Shown by the form now, so no longer listed as kept-but-hidden.
    expect(keptFields(vs.spec)).toEqual([]);
  });

  it('keeps the form from showing a parameter it cannot (presence only: exact "")', () => {
    const vs = yaml.load(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: bookinfo }
spec:
  hosts: [reviews]
  http:
  - match:
    - queryParams: { debug: { exact: "" } }
    route:
    - destination: { host: reviews, subset: v2 }
  - route:
    - destination: { host: reviews, subset: v1 }
`) as MeshObject;
    const plan = planRoute(form, reviews, { otherRoutes: [] }, options);
    const dr = plan.writes[0]?.object as MeshObject;
    expect(readRoute(vs, reviews, { destinationRule: dr })).toEqual({
      form: null,
      reasons: ['http[0]: query parameter debug uses a match the form does not show'],
    });
  });
});
