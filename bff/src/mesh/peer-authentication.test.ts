import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { PeerAuthenticationForm } from '../contract/security';
import type { EffectiveMtls, PeerAuthenticationFormInput } from '../contract/security';
import { checkIstioObject } from './istio-schema';
import type { MeshObject } from './istio-types';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_ANNOTATION } from './model';
import {
  PEER_AUTHENTICATION,
  ROOT_NAMESPACE,
  clientTlsFor,
  effectiveMtls,
  peerAuthenticationLevel,
  planPeerAuthentication,
  readPeerAuthentication,
} from './peer-authentication';

const form = (input: Partial<PeerAuthenticationFormInput> = {}): PeerAuthenticationForm =>
  PeerAuthenticationForm.parse({ name: 'reviews-mtls', scope: 'workload', mode: 'STRICT', ...input });

const selector = { app: 'reviews' };
const ctx = (current: MeshObject | null = null) => ({
  namespace: 'bookinfo',
  selector,
  serviceId: 'reviews.bookinfo.svc.cluster.local',
  current,
});

/** A PeerAuthentication as a user might apply it. */
function pa(
  name: string,
  namespace: string,
  spec: Record<string, unknown>,
  creationTimestamp = '2026-01-01T00:00:00Z',
): MeshObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace, creationTimestamp, resourceVersion: '7' },
    spec,
  };
}

/** The schema, plus the rule the CRD states in CEL (which the JSON-schema check cannot run). */
function expectAccepted(obj: MeshObject) {
  expect(checkIstioObject(obj)).toEqual({ errors: [], pruned: [] });
  const labels =
    (obj.spec.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {};
  if (obj.spec.portLevelMtls !== undefined) {
    expect(Object.keys(labels).length).toBeGreaterThan(0);
    expect(Object.keys(obj.spec.portLevelMtls as object).length).toBeGreaterThan(0);
  }
}

describe('the form becomes a PeerAuthentication', () => {
  it('workload scope: the Service’s selector, the mode, port-level modes by container port', () => {
    const obj = planPeerAuthentication(
      form({
        mode: 'STRICT',
        portLevel: [
          { port: 9080, mode: 'PERMISSIVE' },
          { port: 8080, mode: 'DISABLE' },
        ],
      }),
      ctx(),
    );
    expect(obj.apiVersion).toBe(PEER_AUTHENTICATION.apiVersion);
    expect(obj.kind).toBe('PeerAuthentication');
    expect(obj.metadata).toEqual({
      name: 'reviews-mtls',
      namespace: 'bookinfo',
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
      annotations: { [SERVICE_ANNOTATION]: 'reviews.bookinfo.svc.cluster.local' },
    });
    expect(obj.spec).toEqual({
      selector: { matchLabels: { app: 'reviews' } },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { '8080': { mode: 'DISABLE' }, '9080': { mode: 'PERMISSIVE' } },
    });
    expectAccepted(obj);
  });

  it('namespace scope: no selector and no port-level modes', () => {
    const obj = planPeerAuthentication(
      form({ name: 'default', scope: 'namespace', mode: 'PERMISSIVE' }),
      ctx(),
    );
    expect(obj.spec).toEqual({ mtls: { mode: 'PERMISSIVE' } });
    expectAccepted(obj);
  });

  it('the form refuses port-level modes without a selector, as the CRD does', () => {
    const parsed = PeerAuthenticationForm.safeParse({
      name: 'default',
      scope: 'namespace',
      mode: 'STRICT',
      portLevel: [{ port: 80, mode: 'DISABLE' }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/workload selector/);
  });

  it('every mode and scope the form allows is one the cluster accepts, and reads back as written', () => {
    for (const mode of ['UNSET', 'STRICT', 'PERMISSIVE', 'DISABLE'] as const)
      for (const scope of ['workload', 'namespace'] as const) {
        const f = form({
          scope,
          mode,
          portLevel: scope === 'workload' ? [{ port: 9080, mode: 'UNSET' }] : [],
        });
        const obj = planPeerAuthentication(f, ctx());
        expectAccepted(obj);
        const back = readPeerAuthentication(obj, selector);
        expect(back).toEqual({ form: f, keptFields: [] });
      }
  });

  it('an edit keeps the fields the form does not show, and the live object’s metadata', () => {
    const live = pa('reviews-mtls', 'bookinfo', {
      selector: { matchLabels: { app: 'reviews' } },
      mtls: { mode: 'PERMISSIVE', futureField: 1 },
      futureSpec: { x: 'y' },
    });
    live.metadata.labels = { team: 'a' };
    const read = readPeerAuthentication(live, selector);
    expect(read.keptFields).toEqual(['futureSpec', 'mtls.futureField']);
    expect(read.form).toMatchObject({ scope: 'workload', mode: 'PERMISSIVE', resourceVersion: '7' });
    const edited = planPeerAuthentication({ ...form({ ...read.form }), mode: 'STRICT' }, ctx(live));
    expect(edited.spec).toEqual({
      selector: { matchLabels: { app: 'reviews' } },
      mtls: { mode: 'STRICT', futureField: 1 },
      futureSpec: { x: 'y' },
    });
    expect(edited.metadata.labels).toEqual({ team: 'a' });
    expect(edited.metadata.resourceVersion).toBe('7');
    expect(readPeerAuthentication(edited, selector).keptFields).toEqual(read.keptFields);
  });

  it('switching a workload policy to the namespace drops its selector and port-level modes', () => {
    const live = pa('p', 'bookinfo', {
      selector: { matchLabels: { app: 'reviews' } },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { '9080': { mode: 'DISABLE' } },
    });
    const obj = planPeerAuthentication(form({ name: 'p', scope: 'namespace' }), ctx(live));
    expect(obj.spec).toEqual({ mtls: { mode: 'STRICT' } });
  });

  it('a policy the form would misstate reads as no form', () => {
    // Selects only some of the service's instances.
    expect(
      readPeerAuthentication(
        pa('v1', 'bookinfo', { selector: { matchLabels: { app: 'reviews', version: 'v1' } } }),
        selector,
      ).form,
    ).toBeNull();
    expect(
      readPeerAuthentication(pa('x', 'bookinfo', { mtls: { mode: 'BOGUS' } }), selector).form,
    ).toBeNull();
    expect(
      readPeerAuthentication(pa('x', 'bookinfo', { portLevelMtls: { http: { mode: 'STRICT' } } }), selector)
        .form,
    ).toBeNull();
    // No mtls at all is UNSET: inherit.
    expect(readPeerAuthentication(pa('default', 'bookinfo', {}), selector).form).toMatchObject({
      scope: 'namespace',
      mode: 'UNSET',
    });
  });
});

describe('the mode in force (istiod’s ComposePeerAuthentication)', () => {
  const workload = { namespace: 'bookinfo', labels: { app: 'reviews', version: 'v1' } };
  const mesh = (mode: string) => pa('default', ROOT_NAMESPACE, { mtls: { mode } });
  const ns = (mode: string, name = 'default') => pa(name, 'bookinfo', { mtls: { mode } });
  const wl = (spec: Record<string, unknown>, name = 'reviews', at?: string) =>
    pa(name, 'bookinfo', { selector: { matchLabels: { app: 'reviews' } }, ...spec }, at);
  const level = (e: EffectiveMtls) => [e.mode, e.source.level, e.source.ref?.name ?? null];

  it('levels: which policies apply to the workload, and at which level', () => {
    expect(peerAuthenticationLevel(mesh('STRICT'), workload)).toBe('mesh');
    expect(peerAuthenticationLevel(ns('STRICT'), workload)).toBe('namespace');
    expect(peerAuthenticationLevel(wl({}), workload)).toBe('workload');
    expect(peerAuthenticationLevel(pa('o', 'other', { mtls: { mode: 'STRICT' } }), workload)).toBeNull();
    expect(
      peerAuthenticationLevel(
        pa('o', 'bookinfo', { selector: { matchLabels: { app: 'ratings' } } }),
        workload,
      ),
    ).toBeNull();
    // istiod ignores a selector in the root namespace.
    expect(
      peerAuthenticationLevel(
        pa('o', ROOT_NAMESPACE, { selector: { matchLabels: { app: 'reviews' } } }),
        workload,
      ),
    ).toBeNull();
    // An empty selector is no selector.
    expect(peerAuthenticationLevel(pa('o', 'bookinfo', { selector: { matchLabels: {} } }), workload)).toBe(
      'namespace',
    );
    expect(peerAuthenticationLevel(pa('default', 'mesh-root', {}), workload, 'mesh-root')).toBe('mesh');
  });

  it.each([
    ['no policy: PERMISSIVE by default', [], ['PERMISSIVE', 'default', null]],
    ['mesh STRICT', [mesh('STRICT')], ['STRICT', 'mesh', 'default']],
    ['namespace overrides mesh', [mesh('STRICT'), ns('PERMISSIVE')], ['PERMISSIVE', 'namespace', 'default']],
    [
      'workload overrides namespace',
      [mesh('STRICT'), ns('PERMISSIVE'), wl({ mtls: { mode: 'DISABLE' } })],
      ['DISABLE', 'workload', 'reviews'],
    ],
    [
      'workload UNSET inherits the namespace',
      [ns('STRICT'), wl({ mtls: { mode: 'UNSET' } })],
      ['STRICT', 'namespace', 'default'],
    ],
    ['workload without mtls inherits', [mesh('DISABLE'), wl({})], ['DISABLE', 'mesh', 'default']],
    ['namespace UNSET inherits the mesh', [mesh('STRICT'), ns('UNSET')], ['STRICT', 'mesh', 'default']],
    ['mesh UNSET is the default', [mesh('UNSET')], ['PERMISSIVE', 'default', null]],
    [
      'two workload policies: the oldest wins',
      [
        wl({ mtls: { mode: 'DISABLE' } }, 'newer', '2026-02-01T00:00:00Z'),
        wl({ mtls: { mode: 'STRICT' } }, 'older', '2026-01-01T00:00:00Z'),
      ],
      ['STRICT', 'workload', 'older'],
    ],
    [
      'two namespace policies: the oldest wins',
      [
        pa('b', 'bookinfo', { mtls: { mode: 'DISABLE' } }, '2026-03-01T00:00:00Z'),
        pa('a', 'bookinfo', { mtls: { mode: 'STRICT' } }, '2026-03-02T00:00:00Z'),
      ],
      ['DISABLE', 'namespace', 'b'],
    ],
  ] as const)('%s', (_, pas, expected) => {
    expect(level(effectiveMtls([...pas], workload, []))).toEqual(expected);
  });

  it('port-level modes of the workload policy decide their ports; UNSET ports take the workload’s mode', () => {
    const e = effectiveMtls(
      [
        mesh('PERMISSIVE'),
        wl({
          mtls: { mode: 'STRICT' },
          portLevelMtls: { '9080': { mode: 'DISABLE' }, '9090': { mode: 'UNSET' } },
        }),
      ],
      workload,
      [9080, 9090, 15000],
    );
    expect(e.mode).toBe('STRICT');
    expect(e.ports).toEqual([
      {
        port: 9080,
        mode: 'DISABLE',
        source: {
          level: 'workload',
          ref: {
            apiVersion: 'security.istio.io/v1',
            kind: 'PeerAuthentication',
            namespace: 'bookinfo',
            name: 'reviews',
          },
          port: 9080,
        },
      },
      { port: 9090, mode: 'STRICT', source: e.source },
      { port: 15000, mode: 'STRICT', source: e.source },
    ]);
  });

  it('a port-level UNSET on a workload policy without a mode inherits through namespace and mesh', () => {
    const e = effectiveMtls(
      [mesh('STRICT'), wl({ portLevelMtls: { '9080': { mode: 'UNSET' } } })],
      workload,
      [9080],
    );
    expect(e.ports[0]).toMatchObject({ mode: 'STRICT', source: { level: 'mesh' } });
  });

  it('only the workload policy in force gives port-level modes (not a newer one)', () => {
    const e = effectiveMtls(
      [
        wl({ mtls: { mode: 'STRICT' } }, 'older', '2026-01-01T00:00:00Z'),
        wl({ portLevelMtls: { '9080': { mode: 'DISABLE' } } }, 'newer', '2026-02-01T00:00:00Z'),
      ],
      workload,
      [9080],
    );
    expect(e.ports[0]?.mode).toBe('STRICT');
  });
});

describe('what clients send: DestinationRule TLS for the host', () => {
  const host = 'reviews.bookinfo.svc.cluster.local';
  const dr = (name: string, namespace: string, spec: Record<string, unknown>): MeshObject => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name, namespace },
    spec,
  });
  const strict: EffectiveMtls = {
    mode: 'STRICT',
    source: { level: 'mesh', ref: null, port: null },
    ports: [{ port: 9080, mode: 'STRICT', source: { level: 'mesh', ref: null, port: null } }],
  };
  const disabledPort: EffectiveMtls = {
    mode: 'PERMISSIVE',
    source: { level: 'default', ref: null, port: null },
    ports: [{ port: 9080, mode: 'DISABLE', source: { level: 'workload', ref: null, port: 9080 } }],
  };

  it('lists traffic policy, port-level and subset settings of the host’s rules, with their conflicts', () => {
    const rules = [
      dr('reviews', 'bookinfo', {
        host: 'reviews',
        trafficPolicy: {
          tls: { mode: 'ISTIO_MUTUAL' },
          portLevelSettings: [{ port: { number: 9080 }, tls: { mode: 'DISABLE' } }],
        },
        subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { tls: { mode: 'SIMPLE' } } }],
      }),
      dr('ratings', 'bookinfo', { host: 'ratings', trafficPolicy: { tls: { mode: 'DISABLE' } } }),
      dr('all', 'bookinfo', {
        host: '*.bookinfo.svc.cluster.local',
        trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
      }),
    ];
    const out = clientTlsFor(rules, host, strict);
    expect(out.map((c) => [c.ref.name, c.mode, c.subset, c.port, c.conflict])).toEqual([
      ['reviews', 'ISTIO_MUTUAL', null, null, false],
      ['reviews', 'DISABLE', null, 9080, true],
      ['reviews', 'SIMPLE', 'v1', null, true],
      ['all', 'ISTIO_MUTUAL', null, null, false],
    ]);
  });

  it('ISTIO_MUTUAL towards a port with mTLS disabled fails too; DISABLE there does not', () => {
    const rules = [
      dr('a', 'bookinfo', { host, trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }),
      dr('b', 'bookinfo', { host, trafficPolicy: { tls: { mode: 'DISABLE' } } }),
    ];
    expect(clientTlsFor(rules, host, disabledPort).map((c) => c.conflict)).toEqual([true, false]);
  });
});

describe("Istio's own destination-rule-all-mtls.yaml (Bookinfo, unchanged)", () => {
  const file = path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    '../testing/istio-samples/bookinfo/networking/destination-rule-all-mtls.yaml',
  );
  // Applied in bookinfo, as `kubectl apply -n bookinfo -f` would: the file names no namespace.
  const drs = (yaml.loadAll(fs.readFileSync(file, 'utf8')) as (MeshObject | null)[])
    .filter((o): o is MeshObject => o !== null)
    .map((o) => ({
      ...o,
      metadata: { ...o.metadata, namespace: 'bookinfo' },
    }));
  const reviews = 'reviews.bookinfo.svc.cluster.local';
  const modeOnly = (mode: 'STRICT' | 'DISABLE'): EffectiveMtls => ({
    mode,
    source: { level: 'namespace', ref: null, port: null },
    ports: [],
  });

  it('shows what reviews’ clients send: mutual TLS, which STRICT accepts and DISABLE refuses', () => {
    expect(drs).toHaveLength(4);
    const strict = clientTlsFor(drs, reviews, modeOnly('STRICT'));
    expect(strict.map((c) => [c.ref.name, c.mode, c.subset, c.conflict])).toEqual([
      ['reviews', 'ISTIO_MUTUAL', null, false],
    ]);
    expect(clientTlsFor(drs, reviews, modeOnly('DISABLE')).map((c) => c.conflict)).toEqual([true]);
    // Another service's rules do not count for reviews.
    expect(clientTlsFor(drs, 'details.bookinfo.svc.cluster.local', modeOnly('STRICT'))[0]?.ref.name).toBe(
      'details',
    );
  });
});

describe('round trip (property)', () => {
  const mode = fc.constantFrom(
    'UNSET' as const,
    'STRICT' as const,
    'PERMISSIVE' as const,
    'DISABLE' as const,
  );
  const forms = fc
    .record({
      name: fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/),
      scope: fc.constantFrom('workload' as const, 'namespace' as const),
      mode,
      portLevel: fc.uniqueArray(fc.record({ port: fc.integer({ min: 1, max: 65535 }), mode }), {
        maxLength: 4,
        selector: (p) => p.port,
      }),
    })
    .map((f) => PeerAuthenticationForm.parse(f.scope === 'namespace' ? { ...f, portLevel: [] } : f));

  it('form → object → form is the identity (ports in order), the cluster accepts it, an edit keeps unshown fields', () => {
    fc.assert(
      fc.property(forms, forms, (f, g) => {
        const obj = planPeerAuthentication(f, ctx());
        expectAccepted(obj);
        const back = readPeerAuthentication(obj, selector);
        expect(back.keptFields).toEqual([]);
        expect(back.form).toEqual({ ...f, portLevel: [...f.portLevel].sort((a, b) => a.port - b.port) });
        // Someone adds fields the form does not show; another edit through the form keeps them.
        const live: MeshObject = structuredClone(obj);
        live.spec.future = { kept: true };
        const edited = planPeerAuthentication({ ...g, name: f.name }, ctx(live));
        const { future, ...shown } = edited.spec;
        expectAccepted({ ...edited, spec: shown });
        expect(future).toEqual({ kept: true });
        expect(readPeerAuthentication(edited, selector).form?.mode).toBe(g.mode);
      }),
      { numRuns: 80 },
    );
  });
});
