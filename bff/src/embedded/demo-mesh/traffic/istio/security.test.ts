import { describe, expect, it } from 'vitest';
import {
  acceptsConnection,
  authorize,
  ClientTlsIndex,
  policiesAt,
  resolveMtls,
  stringMatches,
} from './security';
import type { AuthzRequest, Enforcer, MtlsMode, WorkloadRef } from './security';
import type { RawObject } from './types';
import { checkIstioObject } from '../../../../mesh/istio-schema';

/*
 * The evaluator against Istio's documented semantics; the policies are the examples of Istio's
 * PeerAuthentication and AuthorizationPolicy references, the authorization tasks and the ambient
 * L4 policy page, adapted to one namespace.
 */

const ROOT = 'istio-system';
let created = 0;
/** Every object the tests build, for the schema check at the end. */
const built: RawObject[] = [];

function object(
  kind: string,
  namespace: string,
  name: string,
  spec: unknown,
  annotations?: Record<string, string>,
): RawObject {
  created++;
  const o = {
    apiVersion: kind === 'DestinationRule' ? 'networking.istio.io/v1' : 'security.istio.io/v1',
    kind,
    metadata: {
      name,
      namespace,
      creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, created)).toISOString(),
      ...(annotations ? { annotations } : {}),
    },
    spec,
  } as RawObject;
  built.push(o);
  return o;
}

const pa = (namespace: string, name: string, spec: unknown) =>
  object('PeerAuthentication', namespace, name, spec);
const ap = (namespace: string, name: string, spec: unknown, annotations?: Record<string, string>) =>
  object('AuthorizationPolicy', namespace, name, spec, annotations);

const FINANCE: WorkloadRef = { namespace: 'foo', labels: { app: 'finance' } };
const OTHER: WorkloadRef = { namespace: 'foo', labels: { app: 'other' } };

describe('PeerAuthentication: the mode a workload port accepts', () => {
  const meshStrict = pa(ROOT, 'default', { mtls: { mode: 'STRICT' } });
  const nsPermissive = pa('foo', 'default', { mtls: { mode: 'PERMISSIVE' } });
  const finance = pa('foo', 'finance', {
    selector: { matchLabels: { app: 'finance' } },
    mtls: { mode: 'STRICT' },
    portLevelMtls: { '8080': { mode: 'DISABLE' }, '9090': { mode: 'UNSET' } },
  });
  const cases: [string, RawObject[], WorkloadRef, number | null, string, string][] = [
    ['nothing anywhere: PERMISSIVE by default', [], FINANCE, 80, 'PERMISSIVE', 'default'],
    ['a mesh-wide policy in the root namespace', [meshStrict], FINANCE, 80, 'STRICT', 'mesh'],
    ['the namespace overrides the mesh', [meshStrict, nsPermissive], FINANCE, 80, 'PERMISSIVE', 'namespace'],
    [
      'a namespace policy in another namespace does not apply',
      [meshStrict, pa('bar', 'default', { mtls: { mode: 'DISABLE' } })],
      FINANCE,
      80,
      'STRICT',
      'mesh',
    ],
    [
      'the workload overrides the namespace',
      [meshStrict, nsPermissive, finance],
      FINANCE,
      80,
      'STRICT',
      'workload',
    ],
    [
      'a port-level setting overrides the workload (reference example: 8080 DISABLE)',
      [nsPermissive, finance],
      FINANCE,
      8080,
      'DISABLE',
      'workload',
    ],
    ['a port UNSET inherits the workload mode', [nsPermissive, finance], FINANCE, 9090, 'STRICT', 'workload'],
    [
      'a selector that does not select the workload',
      [nsPermissive, finance],
      OTHER,
      8080,
      'PERMISSIVE',
      'namespace',
    ],
    [
      'UNSET at the namespace inherits the mesh',
      [meshStrict, pa('foo', 'default', { mtls: { mode: 'UNSET' } })],
      FINANCE,
      80,
      'STRICT',
      'mesh',
    ],
    ['a policy without mtls inherits', [meshStrict, pa('foo', 'default', {})], FINANCE, 80, 'STRICT', 'mesh'],
    [
      'a selector in the root namespace is not mesh-wide',
      [pa(ROOT, 'finance', { selector: { matchLabels: { app: 'finance' } }, mtls: { mode: 'STRICT' } })],
      FINANCE,
      80,
      'PERMISSIVE',
      'default',
    ],
    [
      'empty matchLabels is namespace-wide',
      [pa('foo', 'all', { selector: { matchLabels: {} }, mtls: { mode: 'STRICT' } })],
      OTHER,
      80,
      'STRICT',
      'namespace',
    ],
    [
      'port-level settings need a selector (istiod ignores them without one)',
      [pa('foo', 'default', { mtls: { mode: 'PERMISSIVE' }, portLevelMtls: { '8080': { mode: 'STRICT' } } })],
      FINANCE,
      8080,
      'PERMISSIVE',
      'namespace',
    ],
  ];
  it.each(cases)('%s', (_name, policies, workload, port, mode, level) => {
    const r = resolveMtls(policies, ROOT, workload, port);
    expect(r.mode).toBe(mode);
    expect(r.level).toBe(level);
  });

  it('of several at one level the oldest wins', () => {
    const older = pa('foo', 'zz-older', { mtls: { mode: 'STRICT' } });
    const newer = pa('foo', 'aa-newer', { mtls: { mode: 'DISABLE' } });
    expect(resolveMtls([newer, older], ROOT, FINANCE, 80).policy).toBe(older);
    expect(resolveMtls([newer, older], ROOT, FINANCE, 80).mode).toBe('STRICT');
  });

  it('a server refuses plaintext only in STRICT, and Istio mTLS where mTLS is disabled', () => {
    expect(acceptsConnection('STRICT', 'plaintext')).toBe('refused');
    expect(acceptsConnection('STRICT', 'istio')).toBe('mutual_tls');
    expect(acceptsConnection('PERMISSIVE', 'plaintext')).toBe('none');
    expect(acceptsConnection('PERMISSIVE', 'istio')).toBe('mutual_tls');
    expect(acceptsConnection('DISABLE', 'plaintext')).toBe('none');
    expect(acceptsConnection('DISABLE', 'istio')).toBe('refused');
  });
});

describe('the client side: auto mTLS and DestinationRule tls', () => {
  const dr = (namespace: string, name: string, spec: unknown) =>
    object('DestinationRule', namespace, name, spec);
  const CALLER: WorkloadRef = { namespace: 'foo', labels: { app: 'sleep' } };
  const HOST = 'httpbin.foo.svc.cluster.local';
  const PROXY: { proxy: boolean; mode: MtlsMode } = { proxy: true, mode: 'PERMISSIVE' };
  const sends = (rules: RawObject[], subset?: string, port = 8000, dest = PROXY) =>
    new ClientTlsIndex(rules, ROOT).clientTls(CALLER, HOST, 'foo', subset, port, dest).sends;

  it('sends Istio mTLS to a destination with a proxy, plaintext to one without', () => {
    expect(sends([])).toBe('istio');
    expect(sends([], undefined, 8000, { proxy: false, mode: 'PERMISSIVE' })).toBe('plaintext');
  });

  it('sends plaintext to a workload whose PeerAuthentication disables mTLS', () => {
    expect(sends([], undefined, 8000, { proxy: true, mode: 'DISABLE' })).toBe('plaintext');
  });

  it('a DestinationRule without tls keeps auto mTLS', () => {
    expect(sends([dr('foo', 'httpbin', { host: HOST, trafficPolicy: { connectionPool: {} } })])).toBe(
      'istio',
    );
  });

  it('tls DISABLE, SIMPLE, ISTIO_MUTUAL at rule, port, subset and subset port level', () => {
    const rule = dr('foo', 'httpbin', {
      host: 'httpbin',
      trafficPolicy: {
        tls: { mode: 'DISABLE' },
        portLevelSettings: [{ port: { number: 9000 }, tls: { mode: 'ISTIO_MUTUAL' } }],
      },
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        {
          name: 'v2',
          labels: { version: 'v2' },
          trafficPolicy: {
            tls: { mode: 'ISTIO_MUTUAL' },
            portLevelSettings: [{ port: { number: 9001 }, tls: { mode: 'SIMPLE' } }],
          },
        },
      ],
    });
    expect(sends([rule])).toBe('plaintext');
    expect(sends([rule], undefined, 9000)).toBe('istio');
    expect(sends([rule], 'v1')).toBe('plaintext');
    expect(sends([rule], 'v2')).toBe('istio');
    expect(sends([rule], 'v2', 9001)).toBe('tls');
    // ISTIO_MUTUAL is sent even to a workload without a proxy.
    expect(sends([rule], undefined, 9000, { proxy: false, mode: 'PERMISSIVE' })).toBe('istio');
  });

  it('a rule with a workloadSelector applies only to the callers it selects', () => {
    const rule = dr('foo', 'plain', {
      host: HOST,
      workloadSelector: { matchLabels: { app: 'other' } },
      trafficPolicy: { tls: { mode: 'DISABLE' } },
    });
    expect(sends([rule])).toBe('istio');
  });
});

const SIDECAR = (labels: Record<string, string> = { app: 'httpbin' }, namespace = 'foo'): Enforcer => ({
  kind: 'sidecar',
  workload: { namespace, labels },
});

const CURL = 'cluster.local/ns/default/sa/curl';
const get = (
  path: string,
  principal: string | null = CURL,
  extra: Partial<AuthzRequest> = {},
): AuthzRequest => ({
  principal,
  port: 8000,
  method: 'GET',
  path,
  headers: {},
  ...extra,
});

function verdict(policies: RawObject[], request: AuthzRequest, enforcer: Enforcer = SIDECAR()) {
  return authorize(policiesAt(policies, ROOT, enforcer), enforcer, request);
}

describe('AuthorizationPolicy: Istio’s evaluation', () => {
  // The reference's first example: ALLOW from curl's service account or namespace test, GET on /info*
  // or POST on /data.
  const httpbin = ap('foo', 'httpbin', {
    selector: { matchLabels: { app: 'httpbin' } },
    action: 'ALLOW',
    rules: [
      {
        from: [{ source: { principals: [CURL] } }, { source: { namespaces: ['test'] } }],
        to: [
          { operation: { methods: ['GET'], paths: ['/info*'] } },
          { operation: { methods: ['POST'], paths: ['/data'] } },
        ],
      },
    ],
  });
  // The reference's DENY example: no POST from the dev namespace.
  const denyDev = ap('foo', 'deny-dev', {
    selector: { matchLabels: { app: 'httpbin' } },
    action: 'DENY',
    rules: [{ from: [{ source: { namespaces: ['dev'] } }], to: [{ operation: { methods: ['POST'] } }] }],
  });
  const allowNothing = ap('foo', 'allow-nothing', {});
  const denyAll = ap('foo', 'deny-all', { action: 'DENY', rules: [{}] });
  const allowAll = ap('foo', 'allow-all', { action: 'ALLOW', rules: [{}] });

  const cases: [string, RawObject[], AuthzRequest, boolean][] = [
    ['no policy: allowed', [], get('/anything'), true],
    ['allow-nothing (no rules) refuses everything', [allowNothing], get('/info'), false],
    ['deny-all (rules: [{}]) refuses everything', [denyAll], get('/info'), false],
    ['allow-all (rules: [{}]) allows everything', [allowAll], get('/info'), true],
    ['a DENY without rules matches nothing', [ap('foo', 'd', { action: 'DENY' })], get('/info'), true],
    ['reference ALLOW: curl GET /info/x', [httpbin], get('/info/x'), true],
    ['reference ALLOW: curl GET /data (not a GET path)', [httpbin], get('/data'), false],
    ['reference ALLOW: curl POST /data', [httpbin], get('/data', CURL, { method: 'POST' }), true],
    ['reference ALLOW: namespace test', [httpbin], get('/info', 'cluster.local/ns/test/sa/x'), true],
    ['reference ALLOW: another caller', [httpbin], get('/info', 'cluster.local/ns/prod/sa/x'), false],
    ['reference ALLOW: plaintext (no principal, no namespace)', [httpbin], get('/info', null), false],
    ['a query string is not part of the path', [httpbin], get('/info?x=1'), true],
    ['DENY POST from dev', [denyDev], get('/data', 'cluster.local/ns/dev/sa/a', { method: 'POST' }), false],
    ['DENY POST from dev: a GET passes', [denyDev], get('/data', 'cluster.local/ns/dev/sa/a'), true],
    ['DENY beats ALLOW', [allowAll, denyAll], get('/'), false],
    [
      'notNamespaces: a plaintext caller is in no namespace, so it is not excluded',
      [ap('foo', 'd', { action: 'DENY', rules: [{ from: [{ source: { notNamespaces: ['foo'] } }] }] })],
      get('/', null),
      false,
    ],
    [
      'principals ["*"] needs an identity (the mTLS-only task)',
      [ap('foo', 'a', { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['*'] } }] }] })],
      get('/', null),
      false,
    ],
    [
      'notPaths: everything but /healthz is denied',
      [ap('foo', 'd', { action: 'DENY', rules: [{ to: [{ operation: { notPaths: ['/healthz'] } }] }] })],
      get('/healthz'),
      true,
    ],
    [
      'ports: the workload port',
      [ap('foo', 'd', { action: 'DENY', rules: [{ to: [{ operation: { ports: ['8000'] } }] }] })],
      get('/'),
      false,
    ],
    [
      'notPorts',
      [ap('foo', 'd', { action: 'DENY', rules: [{ to: [{ operation: { notPorts: ['8000'] } }] }] })],
      get('/'),
      true,
    ],
    [
      'when request.headers[version] in [v1, v2] (reference example)',
      [
        ap('foo', 'a', {
          action: 'ALLOW',
          rules: [{ when: [{ key: 'request.headers[version]', values: ['v1', 'v2'] }] }],
        }),
      ],
      get('/', CURL, { headers: { version: 'v2' } }),
      true,
    ],
    [
      'when request.headers[version]: missing header',
      [
        ap('foo', 'a', {
          action: 'ALLOW',
          rules: [{ when: [{ key: 'request.headers[version]', values: ['v1', 'v2'] }] }],
        }),
      ],
      get('/'),
      false,
    ],
    [
      'when source.namespace notValues',
      [
        ap('foo', 'd', {
          action: 'DENY',
          rules: [{ when: [{ key: 'source.namespace', notValues: ['default'] }] }],
        }),
      ],
      get('/'),
      true,
    ],
    [
      'when source.principal values',
      [ap('foo', 'd', { action: 'DENY', rules: [{ when: [{ key: 'source.principal', values: [CURL] }] }] })],
      get('/'),
      false,
    ],
    [
      'when source.ip in a block',
      [
        ap('foo', 'd', {
          action: 'DENY',
          rules: [{ when: [{ key: 'source.ip', values: ['10.1.0.0/16'] }] }],
        }),
      ],
      get('/', CURL, { sourceIp: '10.1.2.3' }),
      false,
    ],
    [
      'requestPrincipals: no JWT, never matches',
      [ap('foo', 'a', { action: 'ALLOW', rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }] })],
      get('/'),
      false,
    ],
    [
      'a policy of another namespace does not apply',
      [ap('bar', 'deny-all', { action: 'DENY', rules: [{}] })],
      get('/'),
      true,
    ],
    [
      'a root-namespace policy is mesh-wide',
      [ap(ROOT, 'deny-all', { action: 'DENY', rules: [{}] })],
      get('/'),
      false,
    ],
    [
      'a selector that does not select the workload',
      [ap('foo', 'd', { selector: { matchLabels: { app: 'other' } }, action: 'DENY', rules: [{}] })],
      get('/'),
      true,
    ],
    ['AUDIT never decides', [ap('foo', 'audit', { action: 'AUDIT', rules: [{}] })], get('/'), true],
    [
      'CUSTOM refuses what it matches',
      [
        ap('foo', 'ext', {
          action: 'CUSTOM',
          provider: { name: 'ext' },
          rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }],
        }),
      ],
      get('/admin/x'),
      false,
    ],
    [
      'a targetRefs policy does not apply at a sidecar',
      [
        ap('foo', 'd', {
          targetRefs: [{ kind: 'Service', group: '', name: 'httpbin' }],
          action: 'DENY',
          rules: [{}],
        }),
      ],
      get('/'),
      true,
    ],
  ];
  it.each(cases)('%s', (_name, policies, request, allowed) => {
    expect(verdict(policies, request).allowed).toBe(allowed);
  });

  it('says which policy refused, and how', () => {
    const d = verdict([httpbin, denyAll], get('/info'));
    expect(d).toMatchObject({ allowed: false, by: 'DENY', policy: denyAll });
    const a = verdict([httpbin], get('/other'));
    expect(a).toMatchObject({ allowed: false, by: 'ALLOW', policy: null });
    const c = verdict(
      [ap('foo', 'ext', { action: 'CUSTOM', provider: { name: 'x' }, rules: [{}] }), denyAll],
      get('/'),
    );
    expect(c.by).toBe('CUSTOM');
  });

  it('dry-run policies are evaluated, not enforced', () => {
    const dry = { 'istio.io/dry-run': 'true' };
    const deny = ap('foo', 'dry-deny', { action: 'DENY', rules: [{}] }, dry);
    const allow = ap(
      'foo',
      'dry-allow',
      { action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['x'] } }] }] },
      dry,
    );
    const d = verdict([deny], get('/'));
    expect(d.allowed).toBe(true);
    expect(d.dryRunDenied).toEqual([deny]);
    const a = verdict([allow], get('/'));
    expect(a.allowed).toBe(true);
    expect(a.dryRunDenied).toEqual([allow]);
    // Enforced alongside: the dry-run one changes nothing.
    expect(verdict([deny, allowAll], get('/')).allowed).toBe(true);
    expect(
      verdict(
        [ap('foo', 'dry-no', { action: 'DENY', rules: [{}] }, { 'istio.io/dry-run': 'false' })],
        get('/'),
      ).allowed,
    ).toBe(false);
  });
});

describe('AuthorizationPolicy at a waypoint, at ztunnel and at a TCP port', () => {
  const WAYPOINT: Enforcer = {
    kind: 'waypoint',
    gateway: { namespace: 'foo', name: 'waypoint' },
    service: { namespace: 'foo', name: 'httpbin' },
  };
  const ZTUNNEL: Enforcer = { kind: 'ztunnel', workload: { namespace: 'foo', labels: { app: 'httpbin' } } };
  const TCP: Enforcer = {
    kind: 'sidecar',
    workload: { namespace: 'foo', labels: { app: 'httpbin' } },
    tcp: true,
  };
  const getOnly = (action: string) =>
    ap('foo', `${action.toLowerCase()}-get`, {
      selector: { matchLabels: { app: 'httpbin' } },
      action,
      rules: [{ from: [{ source: { principals: [CURL] } }], to: [{ operation: { methods: ['GET'] } }] }],
    });
  const byService = ap('foo', 'svc', {
    targetRefs: [{ kind: 'Service', group: '', name: 'httpbin' }],
    action: 'DENY',
    rules: [{ to: [{ operation: { methods: ['DELETE'] } }] }],
  });
  const byGateway = ap('foo', 'gw', {
    targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' }],
    action: 'DENY',
    rules: [{ to: [{ operation: { paths: ['/admin'] } }] }],
  });

  it('a waypoint enforces the policies whose targetRefs name its Service or itself, not selectors', () => {
    expect(verdict([byService], get('/', CURL, { method: 'DELETE' }), WAYPOINT).allowed).toBe(false);
    expect(verdict([byService], get('/'), WAYPOINT).allowed).toBe(true);
    expect(verdict([byGateway], get('/admin'), WAYPOINT).allowed).toBe(false);
    expect(verdict([ap('foo', 'd', { action: 'DENY', rules: [{}] })], get('/'), WAYPOINT).allowed).toBe(true);
    const other: Enforcer = { ...WAYPOINT, service: { namespace: 'foo', name: 'other' } } as Enforcer;
    expect(verdict([byService], get('/', CURL, { method: 'DELETE' }), other).allowed).toBe(true);
  });

  it('ztunnel: an ALLOW policy with L7 attributes never matches (the ambient docs’ fail-safe example)', () => {
    expect(verdict([getOnly('ALLOW')], get('/'), ZTUNNEL).allowed).toBe(false);
    // At a sidecar the same policy allows curl's GETs.
    expect(verdict([getOnly('ALLOW')], get('/')).allowed).toBe(true);
  });

  it('ztunnel: a DENY policy is enforced without its L7 parts', () => {
    const post = get('/', CURL, { method: 'POST' });
    expect(verdict([getOnly('DENY')], post).allowed).toBe(true);
    expect(verdict([getOnly('DENY')], post, ZTUNNEL).allowed).toBe(false);
    expect(verdict([getOnly('DENY')], get('/', 'cluster.local/ns/x/sa/y'), ZTUNNEL).allowed).toBe(true);
  });

  it('ztunnel: L4 ALLOW (the ambient docs’ allow-curl-to-httpbin) works as at a sidecar', () => {
    const l4 = ap('foo', 'allow-curl', {
      selector: { matchLabels: { app: 'httpbin' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: [CURL] } }] }],
    });
    expect(verdict([l4], get('/'), ZTUNNEL).allowed).toBe(true);
    expect(verdict([l4], get('/', 'cluster.local/ns/x/sa/y'), ZTUNNEL).allowed).toBe(false);
  });

  it('a sidecar’s TCP port drops ALLOW rules with HTTP-only fields and keeps the rest', () => {
    const mixed = ap('foo', 'mixed', {
      selector: { matchLabels: { app: 'httpbin' } },
      action: 'ALLOW',
      rules: [{ to: [{ operation: { methods: ['GET'] } }] }, { to: [{ operation: { ports: ['9000'] } }] }],
    });
    expect(verdict([mixed], get('/', CURL, { port: 8000 }), TCP).allowed).toBe(false);
    expect(verdict([mixed], get('/', CURL, { port: 9000 }), TCP).allowed).toBe(true);
  });
});

describe('string matching', () => {
  it.each([
    ['*', 'x', true],
    ['*', '', false],
    ['/info*', '/info/a', true],
    ['*.js', '/a/b.js', true],
    ['*.js', '/a/b.css', false],
    ['GET', 'GET', true],
    ['GET', 'get', false],
  ])('%s against %s', (pattern, value, matches) => {
    expect(stringMatches(pattern, value)).toBe(matches);
  });

  it('path templates {*} and {**}', () => {
    const p = (path: string) =>
      verdict(
        [ap('foo', 'd', { action: 'DENY', rules: [{ to: [{ operation: { paths: [path] } }] }] })],
        get('/foo/bar/baz'),
      ).allowed;
    expect(p('/foo/{*}/baz')).toBe(false);
    expect(p('/foo/{**}')).toBe(false);
    expect(p('/{*}')).toBe(true);
  });
});

describe('the fixtures', () => {
  it('are valid against the official CRD schemas (nothing pruned)', () => {
    expect(built.length).toBeGreaterThan(40);
    const invalid = built
      .map((o) => ({ name: `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, ...checkIstioObject(o) }))
      .filter((r) => r.errors.length > 0 || r.pruned.length > 0);
    expect(invalid).toEqual([]);
    // The check is no formality: a wrong action is an error.
    const wrong = { ...ap('foo', 'wrong', { action: 'REFUSE' }) };
    built.pop();
    expect(checkIstioObject(wrong).errors.length).toBeGreaterThan(0);
  });
});
