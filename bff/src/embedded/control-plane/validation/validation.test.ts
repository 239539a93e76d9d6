import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusError } from '../status-error';
import type { StatusCause } from '../status-error';
import type { TestStore } from '../testing/fixtures';
import { VS, openStore, virtualService } from '../testing/fixtures';
import type { KubeResource, KubeObject } from '../types';
import { KNOWN_RULES } from './cel-rules';

const DR: KubeResource = { group: 'networking.istio.io', version: 'v1', plural: 'destinationrules' };
const SE: KubeResource = { group: 'networking.istio.io', version: 'v1', plural: 'serviceentries' };
const WE: KubeResource = { group: 'networking.istio.io', version: 'v1', plural: 'workloadentries' };
const EF: KubeResource = { group: 'networking.istio.io', version: 'v1alpha3', plural: 'envoyfilters' };
const DUBBO_VS: KubeResource = {
  group: 'service.dubbo.apache.org',
  version: 'v1alpha1',
  plural: 'virtualservices',
};

function rejection(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected the write to be rejected');
}

/** The first HTTP route of a VirtualService, to edit in place. */
function firstRoute(vs: KubeObject): Record<string, unknown> {
  const route = (vs.spec as { http: Record<string, unknown>[] }).http[0];
  if (!route) throw new Error('no http route');
  return route;
}

const causes = (err: StatusError): StatusCause[] => err.status.details?.causes ?? [];

describe('validation against the Istio CRD schemas', () => {
  let t: TestStore | undefined;
  const store = (options: { keepIstioDubboField?: boolean } = {}) => {
    t = openStore(options);
    return t.store;
  };
  afterEach(() => t?.close());

  it('rejects a non-integer weight with 422 naming the field', () => {
    const err = rejection(() => store().create(VS, 'default', virtualService('reviews', [79.5, 20.5])));
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.status.details).toMatchObject({
      name: 'reviews',
      group: 'networking.istio.io',
      kind: 'VirtualService',
    });
    expect(causes(err)).toContainEqual({
      reason: 'FieldValueTypeInvalid',
      field: 'spec.http[0].route[0].weight',
      message:
        'Invalid value: "number": spec.http[0].route[0].weight in body must be of type integer: "number"',
    });
    expect(err.message).toMatch(
      /^VirtualService\.networking\.istio\.io "reviews" is invalid: \[spec\.http\[0\]\.route\[0\]\.weight/,
    );
  });

  it('rejects a string where an array is expected', () => {
    const vs = virtualService('reviews');
    (vs.spec as Record<string, unknown>).hosts = 'reviews';
    const err = rejection(() => store().create(VS, 'default', vs));
    expect(causes(err)).toEqual([
      expect.objectContaining({
        field: 'spec.hosts',
        message: expect.stringContaining('must be of type array'),
      }),
    ]);
  });

  it('reports required fields and unsupported enum values', () => {
    const s = store();
    const vs = virtualService('reviews');
    firstRoute(vs).route = [{ weight: 100 }];
    expect(causes(rejection(() => s.create(VS, 'default', vs)))).toContainEqual({
      reason: 'FieldValueRequired',
      field: 'spec.http[0].route[0].destination',
      message: 'Required value',
    });
    const dr = {
      metadata: { name: 'reviews' },
      spec: { host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'FASTEST' } } },
    };
    const err = rejection(() => s.create(DR, 'default', dr));
    expect(causes(err)).toContainEqual(
      expect.objectContaining({
        reason: 'FieldValueNotSupported',
        field: 'spec.trafficPolicy.loadBalancer.simple',
      }),
    );
  });

  it('enforces the CRDs\u2019 CEL rules that Istio ships', () => {
    const s = store();
    const tooShort = virtualService('reviews');
    firstRoute(tooShort).timeout = '0.5ms';
    expect(causes(rejection(() => s.create(VS, 'default', tooShort)))).toContainEqual({
      reason: 'FieldValueInvalid',
      field: 'spec.http[0].timeout',
      message: 'Invalid value: "string": must be a valid duration greater than 1ms',
    });
    const ok = virtualService('reviews');
    firstRoute(ok).timeout = '1.5s';
    expect(() => s.create(VS, 'default', ok)).not.toThrow();

    const se = {
      metadata: { name: 'ext' },
      spec: {
        hosts: ['api.example.com'],
        resolution: 'DNS',
        ports: [
          { number: 443, name: 'https', protocol: 'TLS' },
          { number: 443, name: 'https2', protocol: 'TLS' },
        ],
      },
    };
    expect(causes(rejection(() => s.create(SE, 'default', se)))).toContainEqual(
      expect.objectContaining({
        field: 'spec.ports',
        message: expect.stringContaining('port number cannot be duplicated'),
      }),
    );
    const we = { metadata: { name: 'vm-1' }, spec: { labels: { app: 'a' } } };
    expect(causes(rejection(() => s.create(WE, 'default', we)))).toContainEqual(
      expect.objectContaining({ field: 'spec', message: 'Invalid value: "object": Address is required' }),
    );
  });

  it('serves the security, telemetry and extensions kinds with their CEL rules (AuthorizationPolicy, PeerAuthentication, RequestAuthentication, WasmPlugin)', () => {
    const s = store();
    const res = (group: string, version: string, plural: string): KubeResource => ({
      group,
      version,
      plural,
    });
    const AP = res('security.istio.io', 'v1', 'authorizationpolicies');
    const PA = res('security.istio.io', 'v1', 'peerauthentications');
    const RA = res('security.istio.io', 'v1', 'requestauthentications');
    const WASM = res('extensions.istio.io', 'v1alpha1', 'wasmplugins');
    // Istio's "who may call ratings": allowed.
    const allow = {
      metadata: { name: 'ratings-viewer' },
      spec: {
        selector: { matchLabels: { app: 'ratings' } },
        action: 'ALLOW',
        rules: [{ from: [{ source: { principals: ['cluster.local/ns/bookinfo/sa/bookinfo-reviews'] } }] }],
      },
    };
    expect(() => s.create(AP, 'default', allow)).not.toThrow();
    // A selector and targetRefs at once: refused.
    const both = {
      metadata: { name: 'both' },
      spec: {
        ...allow.spec,
        targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' }],
      },
    };
    expect(causes(rejection(() => s.create(AP, 'default', both))).length).toBeGreaterThan(0);
    // Port-level mTLS needs a workload selector with labels.
    const strict = { metadata: { name: 'default' }, spec: { mtls: { mode: 'STRICT' } } };
    expect(() => s.create(PA, 'default', strict)).not.toThrow();
    const portLevel = {
      metadata: { name: 'ports' },
      spec: { portLevelMtls: { '8080': { mode: 'DISABLE' } } },
    };
    expect(causes(rejection(() => s.create(PA, 'default', portLevel))).length).toBeGreaterThan(0);
    expect(() =>
      s.create(PA, 'default', {
        ...portLevel,
        spec: { ...portLevel.spec, selector: { matchLabels: { app: 'ratings' } } },
      }),
    ).not.toThrow();
    // A JWT rule names its keys one way only.
    const jwt = (rule: Record<string, unknown>) => ({
      metadata: { name: 'jwt' },
      spec: { jwtRules: [{ issuer: 'https://issuer.example.com', ...rule }] },
    });
    expect(
      causes(
        rejection(() =>
          s.create(RA, 'default', jwt({ jwksUri: 'https://issuer.example.com/keys', jwks: '{}' })),
        ),
      ).length,
    ).toBeGreaterThan(0);
    expect(() => s.create(RA, 'default', jwt({ jwksUri: 'https://issuer.example.com/keys' }))).not.toThrow();
    // A Wasm module from an OCI image or an https URL, never ftp.
    const wasm = (url: string) => ({ metadata: { name: 'filter' }, spec: { url } });
    expect(() => s.create(WASM, 'default', wasm('oci://ghcr.io/example/filter:1'))).not.toThrow();
    expect(
      causes(rejection(() => s.create(WASM, 'default', wasm('ftp://example.com/filter.wasm')))).length,
    ).toBeGreaterThan(0);
  });

  it('prunes unknown fields silently by default, warning about each', () => {
    const warnings: string[] = [];
    const vs = virtualService('reviews', [100], { dubbo: { interface: 'com.example.Reviews' } });
    firstRoute(vs).mystery = true;
    (vs.metadata as Record<string, unknown>).nickname = 'r';
    (vs as Record<string, unknown>).extra = 1;
    const created = store().create(VS, 'default', vs, { onWarning: (w) => warnings.push(w) });
    expect(created.spec).not.toHaveProperty('dubbo');
    expect((created.spec as { http: Record<string, unknown>[] }).http[0]).not.toHaveProperty('mystery');
    expect(created).not.toHaveProperty('extra');
    expect(created.metadata).not.toHaveProperty('nickname');
    expect(warnings.sort()).toEqual([
      'unknown field "extra"',
      'unknown field "metadata.nickname"',
      'unknown field "spec.dubbo"',
      'unknown field "spec.http[0].mystery"',
    ]);
  });

  it('fails on unknown fields with fieldValidation=Strict, as kube-apiserver: 400 naming the field', () => {
    const vs = virtualService('reviews', [100], { dubbo: { interface: 'x' } });
    const err = rejection(() => store().create(VS, 'default', vs, { fieldValidation: 'Strict' }));
    expect(err.code).toBe(400);
    expect(err.message).toBe(
      'VirtualService in version "v1" cannot be handled as a VirtualService: strict decoding error: unknown field "spec.dubbo"',
    );
  });

  it('keeps spec.dubbo with keepIstioDubboField (the SOFA dialect)', () => {
    const dubbo = { interface: 'com.example.Reviews', methods: [{ name: 'get' }] };
    const created = store({ keepIstioDubboField: true }).create(
      VS,
      'default',
      virtualService('reviews', [100], { dubbo }),
    );
    expect(created.spec).toMatchObject({ dubbo });
  });

  it('drops nulls in non-nullable fields before validating', () => {
    const created = store().create(VS, 'default', virtualService('reviews', [100], { gateways: null }));
    expect(created.spec).not.toHaveProperty('gateways');
  });

  it('serves the Istio kinds in v1, v1beta1 and v1alpha3, and EnvoyFilter in v1alpha3 only', () => {
    const s = store();
    for (const version of ['v1', 'v1beta1', 'v1alpha3']) {
      for (const gvr of [VS, DR, SE, WE]) expect(s.registry.find({ ...gvr, version })).toBeDefined();
      const created = s.create({ ...VS, version }, 'default', {
        ...virtualService(`vs-${version}`),
        apiVersion: `networking.istio.io/${version}`,
      });
      expect(created.apiVersion).toBe(`networking.istio.io/${version}`);
    }
    expect(s.registry.find(EF)).toBeDefined();
    expect(rejection(() => s.list({ ...EF, version: 'v1' }, 'default')).code).toBe(404);
    const ef = {
      metadata: { name: 'ratelimit' },
      spec: {
        workloadSelector: { labels: { app: 'reviews' } },
        configPatches: [
          {
            applyTo: 'HTTP_FILTER',
            patch: { operation: 'INSERT_BEFORE', value: { name: 'envoy.filters.http.local_ratelimit' } },
          },
        ],
      },
    };
    expect(s.create(EF, 'default', ef).spec).toMatchObject(ef.spec);
  });

  it('accepts any spec for Apache Dubbo rules but still validates the name', () => {
    const s = store();
    const rule: KubeObject = {
      apiVersion: 'service.dubbo.apache.org/v1alpha1',
      kind: 'VirtualService',
      metadata: { name: 'demo-route' },
      spec: {
        hosts: ['demo'],
        dubbo: [{ routedetail: [{ name: 'x', route: [{ destination: { subset: 'v1' } }] }] }],
      },
      stray: true,
    };
    const created = s.create(DUBBO_VS, 'default', rule);
    expect(created.spec).toEqual(rule.spec);
    expect(created).not.toHaveProperty('stray');
    expect(
      rejection(() => s.create(DUBBO_VS, 'default', { ...rule, metadata: { name: 'Demo Route' } })).code,
    ).toBe(422);
  });

  it('validates labels as Kubernetes does', () => {
    const vs = virtualService('reviews');
    vs.metadata.labels = { 'bad key!': 'x', good: 'also bad value' };
    const err = rejection(() => store().create(VS, 'default', vs));
    expect(causes(err).map((c) => c.field)).toEqual(['metadata.labels', 'metadata.labels']);
  });

  it('refuses a body of another kind or group', () => {
    const s = store();
    const err = rejection(() =>
      s.create(VS, 'default', { ...virtualService('x'), apiVersion: 'service.dubbo.apache.org/v1alpha1' }),
    );
    expect(err.code).toBe(400);
    expect(
      rejection(() => s.create(VS, 'default', { ...virtualService('x'), kind: 'DestinationRule' })).code,
    ).toBe(400);
  });

  it('knows every CEL rule of the vendored CRDs (re-vendoring may bring new ones to write out)', () => {
    const rules = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === 'object' && node !== null) {
        const validations = (node as Record<string, unknown>)['x-kubernetes-validations'];
        if (Array.isArray(validations)) for (const v of validations) rules.add((v as { rule: string }).rule);
        Object.values(node).forEach(walk);
      }
    };
    walk(JSON.parse(fs.readFileSync(new URL('../crds/istio-networking.json', import.meta.url), 'utf8')));
    expect(rules.size).toBeGreaterThan(10);
    expect([...rules].filter((r) => !(r in KNOWN_RULES))).toEqual([]);
  });
});
