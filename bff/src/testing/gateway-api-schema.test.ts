import { describe, expect, it } from 'vitest';
import { checkGatewayApiObject } from './gateway-api-schema';

const route = (rules: unknown[], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'reviews', namespace: 'bookinfo' },
  spec: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews' }], rules, ...extra },
});

const backend = (name: string, weight: number) => ({ group: '', kind: 'Service', name, port: 9080, weight });

describe('checkGatewayApiObject', () => {
  it("takes Istio's traffic-shifting HTTPRoute as written and stores it with the CRD's defaults", () => {
    const check = checkGatewayApiObject(
      route([{ backendRefs: [backend('reviews-v1', 90), backend('reviews-v2', 10)] }]),
    );
    expect(check.errors).toEqual([]);
    expect(check.pruned).toEqual([]);
    // A rule without matches is stored matching every path, as the API server defaults it.
    expect((check.stored.spec as { rules: { matches: unknown }[] }).rules[0]?.matches).toEqual([
      { path: { type: 'PathPrefix', value: '/' } },
    ]);
  });

  it('refuses a negative weight (OpenAPI schema)', () => {
    const check = checkGatewayApiObject(route([{ backendRefs: [backend('reviews-v1', -1)] }]));
    expect(check.errors.join('\n')).toMatch(/spec\.rules\[0\]\.backendRefs\[0\]\.weight/);
  });

  it("refuses a PathPrefix path that does not start with '/' (the CRD's CEL rule)", () => {
    const check = checkGatewayApiObject(
      route([
        {
          matches: [{ path: { type: 'PathPrefix', value: 'api' } }],
          backendRefs: [backend('reviews-v1', 1)],
        },
      ]),
    );
    expect(check.errors.join('\n')).toMatch(/must be an absolute path and start with '\/'/);
  });

  it('refuses a Service backend without a port, and the same header twice', () => {
    const check = checkGatewayApiObject(
      route([
        {
          matches: [
            {
              headers: [
                { name: 'x-a', value: '1' },
                { name: 'x-a', value: '2' },
              ],
            },
          ],
          backendRefs: [{ name: 'reviews-v1' }],
        },
      ]),
    );
    const text = check.errors.join('\n');
    expect(text).toMatch(/Must have port for Service reference/);
    expect(text).toMatch(/Duplicate value/);
  });

  it('reports a field the schema does not declare, which a server would prune', () => {
    const check = checkGatewayApiObject(
      route([{ backendRefs: [{ ...backend('reviews-v1', 1), subset: 'v1' }] }], { hosts: ['reviews'] }),
    );
    expect(check.pruned.sort()).toEqual(['spec.hosts', 'spec.rules[0].backendRefs[0].subset']);
  });

  it('checks a GRPCRoute method match by its CEL rules', () => {
    const grpc = (method: Record<string, unknown>) =>
      checkGatewayApiObject({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GRPCRoute',
        metadata: { name: 'catalog' },
        spec: {
          parentRefs: [{ group: '', kind: 'Service', name: 'catalog' }],
          rules: [{ matches: [{ method }], backendRefs: [backend('catalog-v1', 1)] }],
        },
      });
    expect(grpc({ type: 'Exact', service: 'shop.Catalog', method: 'List' }).errors).toEqual([]);
    expect(grpc({ type: 'Exact', method: 'not a method' }).errors.join('\n')).toMatch(
      /method must only contain valid characters/,
    );
  });

  it('checks a core Service: known fields only, valid name, port names unique', () => {
    const service = (spec: Record<string, unknown>, name = 'reviews-v1') =>
      checkGatewayApiObject({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
    const ok = service({
      selector: { app: 'reviews', version: 'v1' },
      ports: [{ name: 'http', port: 9080 }],
    });
    expect(ok).toMatchObject({ errors: [], pruned: [] });
    expect(service({ selectors: { app: 'reviews' }, ports: [{ port: 9080 }] }).pruned).toEqual([
      'spec.selectors',
    ]);
    expect(
      service({
        ports: [
          { name: 'http', port: 9080 },
          { name: 'http', port: 9081 },
        ],
      }).errors.join('\n'),
    ).toMatch(/Duplicate value: "http"/);
    expect(service({ ports: [{ port: 9080 }] }, '1-reviews').errors.join('\n')).toMatch(/metadata\.name/);
  });
});
