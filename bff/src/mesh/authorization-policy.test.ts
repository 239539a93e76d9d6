import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessPolicyForm } from '../contract/security';
import type { AccessPolicyFormInput, AccessRule } from '../contract/security';
import {
  AUTHORIZATION_POLICY,
  DRY_RUN_ANNOTATION,
  planAccessPolicy,
  policiesForService,
  readAccessPolicy,
} from './authorization-policy';
import type { Attachment } from './authorization-policy';
import { token, value } from './form-arbitraries.test-support';
import { checkIstioObject } from './istio-schema';
import type { MeshObject } from './istio-types';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_ANNOTATION } from './model';

const form = (input: Partial<AccessPolicyFormInput> = {}): AccessPolicyForm =>
  AccessPolicyForm.parse({ name: 'details-callers', action: 'ALLOW', rules: [], ...input });

const ctx = (current: MeshObject | null = null, attach: Attachment = 'selector') => ({
  namespace: 'bookinfo',
  selector: { app: 'details' },
  serviceId: 'details.bookinfo.svc.cluster.local',
  serviceName: 'details',
  attach,
  current,
});

function policy(
  name: string,
  namespace: string,
  spec: Record<string, unknown>,
  annotations?: Record<string, string>,
) {
  const obj: MeshObject = {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace, resourceVersion: '3' },
    spec,
  };
  if (annotations) obj.metadata.annotations = annotations;
  return obj;
}

function expectAccepted(obj: MeshObject) {
  expect(checkIstioObject(obj)).toEqual({ errors: [], pruned: [] });
  expect(obj.kind).toBe('AuthorizationPolicy');
  // The CRD's CEL rule: at most one of selector, targetRef, targetRefs.
  expect(
    ['selector', 'targetRef', 'targetRefs'].filter((k) => obj.spec[k] !== undefined).length,
  ).toBeLessThanOrEqual(1);
}

const productpage = 'cluster.local/ns/bookinfo/sa/bookinfo-productpage';

/** The form of a policy the form can show (fails the test otherwise). */
function formOf(obj: MeshObject): AccessPolicyForm {
  const { form } = readAccessPolicy(obj);
  if (!form) throw new Error(`the form cannot show ${obj.metadata.name}`);
  return form;
}

describe('the form becomes an AuthorizationPolicy', () => {
  it('selects the service’s workloads, wraps sources and operations as Istio does', () => {
    const obj = planAccessPolicy(
      form({
        rules: [
          {
            from: [
              { principals: [productpage] },
              { namespaces: ['istio-system'], notPrincipals: ['*/sa/bad'] },
            ],
            to: [{ methods: ['GET'], paths: ['/details/*'], ports: ['9080'] }],
            when: [{ key: 'request.headers[x-user]', values: ['alice'], notValues: ['bob'] }],
          },
        ],
      }),
      ctx(),
    );
    expect(obj.apiVersion).toBe(AUTHORIZATION_POLICY.apiVersion);
    expect(obj.kind).toBe('AuthorizationPolicy');
    expect(obj.metadata).toEqual({
      name: 'details-callers',
      namespace: 'bookinfo',
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY },
      annotations: { [SERVICE_ANNOTATION]: 'details.bookinfo.svc.cluster.local' },
    });
    expect(obj.spec).toEqual({
      selector: { matchLabels: { app: 'details' } },
      action: 'ALLOW',
      rules: [
        {
          from: [
            { source: { principals: [productpage] } },
            { source: { namespaces: ['istio-system'], notPrincipals: ['*/sa/bad'] } },
          ],
          to: [{ operation: { methods: ['GET'], paths: ['/details/*'], ports: ['9080'] } }],
          when: [{ key: 'request.headers[x-user]', values: ['alice'], notValues: ['bob'] }],
        },
      ],
    });
    expectAccepted(obj);
  });

  it('ambient services behind a waypoint: targetRefs to the Service instead of a selector', () => {
    const obj = planAccessPolicy(form({ action: 'DENY', rules: [{}] }), ctx(null, 'targetRefs'));
    expect(obj.spec).toEqual({
      targetRefs: [{ kind: 'Service', group: '', name: 'details' }],
      action: 'DENY',
      rules: [{}],
    });
    expectAccepted(obj);
  });

  it('no rules: an ALLOW with nothing to allow (Istio’s allow-nothing), written without rules', () => {
    const obj = planAccessPolicy(form({ rules: [] }), ctx());
    expect(obj.spec).toEqual({ selector: { matchLabels: { app: 'details' } }, action: 'ALLOW' });
    expectAccepted(obj);
  });

  it('dry run is the istio.io/dry-run annotation, removed again when turned off', () => {
    const on = planAccessPolicy(form({ dryRun: true, action: 'DENY', rules: [{}] }), ctx());
    expect(on.metadata.annotations?.[DRY_RUN_ANNOTATION]).toBe('true');
    expect(readAccessPolicy(on).form?.dryRun).toBe(true);
    const off = planAccessPolicy(form({ dryRun: false, action: 'DENY', rules: [{}] }), ctx(on));
    expect(off.metadata.annotations).toEqual({ [SERVICE_ANNOTATION]: 'details.bookinfo.svc.cluster.local' });
    expect(readAccessPolicy(off).form?.dryRun).toBe(false);
  });

  it('an edit keeps what the form does not show, in the spec and in each rule, source and operation', () => {
    const live = policy('callers', 'bookinfo', {
      selector: { matchLabels: { app: 'details', version: 'v1' } },
      action: 'ALLOW',
      rules: [
        {
          from: [{ source: { principals: [productpage], ipBlocks: ['10.0.0.0/8'] } }],
          to: [{ operation: { methods: ['GET'], hosts: ['details'] } }],
        },
      ],
    });
    const read = readAccessPolicy(live);
    expect(read.attachment).toBe('selector');
    expect(read.keptFields).toEqual(['rules[0].from[0].source.ipBlocks', 'rules[0].to[0].operation.hosts']);
    expect(read.form?.rules).toEqual([{ from: [{ principals: [productpage] }], to: [{ methods: ['GET'] }] }]);
    const next = {
      ...formOf(live),
      rules: [{ ...formOf(live).rules[0], from: [{ principals: ['cluster.local/ns/x/sa/y'] }] }],
    };
    const edited = planAccessPolicy(next, ctx(live));
    expect(edited.spec).toEqual({
      // The live selector (one version only) stays.
      selector: { matchLabels: { app: 'details', version: 'v1' } },
      action: 'ALLOW',
      rules: [
        {
          from: [{ source: { principals: ['cluster.local/ns/x/sa/y'], ipBlocks: ['10.0.0.0/8'] } }],
          to: [{ operation: { methods: ['GET'], hosts: ['details'] } }],
        },
      ],
    });
    expect(edited.metadata.resourceVersion).toBe('3');
    expect(readAccessPolicy(edited).keptFields).toEqual(read.keptFields);
    expectAccepted(edited);
  });

  it('an edit keeps how the live policy reaches its workloads, whatever a new one would use', () => {
    const nsWide = policy('deny-all', 'bookinfo', {});
    expect(readAccessPolicy(nsWide).attachment).toBe('namespace');
    expect(planAccessPolicy(form({ name: 'deny-all' }), ctx(nsWide, 'selector')).spec).toEqual({
      action: 'ALLOW',
    });
    const legacy = policy('p', 'bookinfo', {
      targetRef: { kind: 'Service', group: '', name: 'details' },
      action: 'DENY',
    });
    const edited = planAccessPolicy(
      form({ name: 'p', action: 'DENY', rules: [{}] }),
      ctx(legacy, 'targetRefs'),
    );
    expect(edited.spec).toEqual({
      targetRef: { kind: 'Service', group: '', name: 'details' },
      action: 'DENY',
      rules: [{}],
    });
    expectAccepted(edited);
    const bySelector = policy('q', 'bookinfo', { selector: { matchLabels: { app: 'details' } } });
    expect(planAccessPolicy(form({ name: 'q' }), ctx(bySelector, 'targetRefs')).spec.selector).toEqual({
      matchLabels: { app: 'details' },
    });
  });

  it('CUSTOM’s provider is dropped when the form rewrites the policy with one of its actions', () => {
    const custom = policy('ext', 'bookinfo', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] });
    const edited = planAccessPolicy(form({ name: 'ext', action: 'DENY', rules: [{}] }), ctx(custom));
    expect(edited.spec).toEqual({ action: 'DENY', rules: [{}] });
    expectAccepted(edited);
  });
});

describe('what istiod refuses, the form refuses or the plan avoids', () => {
  const issues = (input: Partial<AccessPolicyFormInput>) =>
    (AccessPolicyForm.safeParse({ name: 'p', action: 'ALLOW', rules: [], ...input }).error?.issues ?? []).map(
      (i) => `${i.path.join('.')}: ${i.message}`,
    );

  it('a DENY without rules', () => {
    expect(issues({ action: 'DENY', rules: [] })).toEqual([
      expect.stringMatching(/^rules: A DENY policy without rules/),
    ]);
    expect(issues({ action: 'DENY', rules: [{}] })).toEqual([]);
    expect(issues({ action: 'ALLOW', rules: [] })).toEqual([]);
  });

  it('a condition on an attribute Istio does not know, or without values', () => {
    expect(
      issues({
        rules: [
          {
            when: [
              { key: 'request.headers[x-user]', values: ['a'] },
              { key: 'request.auth.claims[iss]', notValues: ['b'] },
              { key: 'experimental.envoy.filters.network.mysql_proxy[db.table]', values: ['[update]'] },
              { key: 'destination.labels[app]', values: ['x'] },
              { key: 'request.headers[]', values: ['x'] },
              { key: 'source.ip' },
            ],
          },
        ],
      }),
    ).toEqual([
      expect.stringMatching(/^rules\.0\.when\.3\.key: destination\.labels\[app\] is not an attribute/),
      expect.stringMatching(/^rules\.0\.when\.4\.key: /),
      'rules.0.when.5.values: Give at least one value or one excluded value',
    ]);
  });

  it('a port beyond 65535', () => {
    expect(issues({ rules: [{ to: [{ ports: ['65535', '65536'] }] }] })).toEqual([
      'rules.0.to.0.ports.1: A port number',
    ]);
  });

  it('an empty source or operation matches everything: the plan leaves out the list that holds it', () => {
    const obj = planAccessPolicy(
      form({
        action: 'DENY',
        rules: [
          {
            from: [{ namespaces: ['foo'] }, {}],
            to: [{}],
            when: [{ key: 'source.ip', values: ['10.0.0.1'] }],
          },
        ],
      }),
      ctx(),
    );
    expect(obj.spec.rules).toEqual([{ when: [{ key: 'source.ip', values: ['10.0.0.1'] }] }]);
    // Unless the live source holds fields the form does not show: then it is not empty.
    const live = policy('p', 'bookinfo', {
      action: 'DENY',
      rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }],
    });
    const read = readAccessPolicy(live);
    expect(read.form?.rules).toEqual([{ from: [{}] }]);
    expect(planAccessPolicy(formOf(live), ctx(live)).spec.rules).toEqual(live.spec.rules);
  });
});

describe('the schema check itself', () => {
  it('refuses what a cluster would refuse or prune (so the checks above can fail)', () => {
    const bad = policy('p', 'bookinfo', { action: 'BOGUS', rules: [{ from: [{ principals: ['a'] }] }] });
    const checked = checkIstioObject(bad);
    expect(checked.errors.length).toBeGreaterThan(0);
    expect(checked.pruned).toEqual(['spec.rules[0].from[0].principals']);
  });
});

describe('reading policies back', () => {
  it('the action defaults to ALLOW; Istio’s deny-all `spec: {}` reads as an ALLOW without rules', () => {
    const read = readAccessPolicy(policy('deny-all', 'bookinfo', {}));
    expect(read.form).toEqual(form({ name: 'deny-all', rules: [], resourceVersion: '3' }));
    expect(read.keptFields).toEqual([]);
  });

  it('CUSTOM (its provider decides) and what the form cannot show read as no form', () => {
    expect(
      readAccessPolicy(
        policy('ext', 'bookinfo', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] }),
      ).form,
    ).toBeNull();
    expect(readAccessPolicy(policy('x', 'bookinfo', { action: 'NOPE' })).form).toBeNull();
    expect(
      readAccessPolicy(policy('x', 'bookinfo', { rules: [{ from: [{ source: { principals: 'a' } }] }] }))
        .form,
    ).toBeNull();
    expect(
      readAccessPolicy(policy('x', 'bookinfo', { rules: [{ to: [{ operation: { ports: ['http'] } }] }] }))
        .form,
    ).toBeNull();
    expect(readAccessPolicy(policy('x', 'bookinfo', { rules: 'all' })).form).toBeNull();
  });

  it('fields the form does not model are listed, the form still opens', () => {
    const read = readAccessPolicy(
      policy('p', 'bookinfo', {
        action: 'DENY',
        rules: [
          {
            from: [{ source: { requestPrincipals: ['*'] } }],
            when: [{ key: 'source.ip', values: ['1.2.3.4'] }],
          },
        ],
      }),
    );
    expect(read.form?.rules).toEqual([{ from: [{}], when: [{ key: 'source.ip', values: ['1.2.3.4'] }] }]);
    expect(read.keptFields).toEqual(['rules[0].from[0].source.requestPrincipals']);
  });
});

/** Arbitrary forms: values the contract accepts; lists never empty (an empty list is the same as none in Istio). */
const values = fc.uniqueArray(value, { minLength: 1, maxLength: 3 });
const principalValue = fc.oneof(
  fc.constant('*'),
  token.map((t) => `cluster.local/ns/${t}/sa/${t}`),
  token.map((t) => `${t}*`),
  token.map((t) => `*${t}`),
);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const source = fc
  .record(
    {
      namespaces: fc.uniqueArray(token, { minLength: 1, maxLength: 3 }),
      principals: fc.uniqueArray(principalValue, { minLength: 1, maxLength: 3 }),
      notNamespaces: fc.uniqueArray(token, { minLength: 1, maxLength: 2 }),
      notPrincipals: fc.uniqueArray(principalValue, { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: [] },
  )
  .filter((o) => Object.keys(o).length > 0);
const operation = fc
  .record(
    {
      methods: fc.uniqueArray(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), {
        minLength: 1,
        maxLength: 3,
      }),
      paths: fc.uniqueArray(
        value.map((v) => `/${v}`),
        { minLength: 1, maxLength: 3 },
      ),
      ports: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }).map(String), { minLength: 1, maxLength: 2 }),
      notMethods: fc.uniqueArray(fc.constantFrom('PATCH', 'HEAD'), { minLength: 1, maxLength: 2 }),
      notPaths: fc.uniqueArray(
        value.map((v) => `/${v}*`),
        { minLength: 1, maxLength: 2 },
      ),
    },
    { requiredKeys: [] },
  )
  .filter((o) => Object.keys(o).length > 0);
const condition = fc
  .record(
    {
      key: fc.constantFrom('request.headers[x-user]', 'source.ip', 'source.namespace'),
      values: optional(values),
      notValues: optional(values),
    },
    { requiredKeys: ['key'] },
  )
  .filter((c) => c.values !== undefined || c.notValues !== undefined);
const rule: fc.Arbitrary<AccessRule> = fc.record(
  {
    from: fc.array(source, { minLength: 1, maxLength: 3 }),
    to: fc.array(operation, { minLength: 1, maxLength: 2 }),
    when: fc.array(condition, { minLength: 1, maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const forms = fc
  .record({
    name: token,
    action: fc.constantFrom('ALLOW' as const, 'DENY' as const, 'AUDIT' as const),
    rules: fc.array(rule, { maxLength: 3 }),
    dryRun: fc.boolean(),
  })
  // A DENY needs a rule (istiod refuses one without).
  .map((f) =>
    AccessPolicyForm.parse(f.action === 'DENY' && f.rules.length === 0 ? { ...f, rules: [{}] } : f),
  );

/** Strips what zod leaves as explicit `undefined` (fc's optional keys), so forms compare structurally. */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('round trip (property)', () => {
  it('form → object → form is the identity, the object passes the official schema, an edit keeps unshown fields', () => {
    fc.assert(
      fc.property(forms, fc.constantFrom<Attachment>('selector', 'targetRefs', 'namespace'), (f, attach) => {
        const obj = planAccessPolicy(f, ctx(null, attach));
        expectAccepted(obj);
        const back = readAccessPolicy(obj);
        expect(back.attachment).toBe(attach);
        expect(back.keptFields).toEqual([]);
        expect(plain(back.form)).toEqual(plain(f));
        // Someone adds fields the form does not show; an edit through the form keeps them.
        const live: MeshObject = structuredClone(obj);
        live.spec.extra = { future: true };
        const rules = live.spec.rules as { from?: { source: Record<string, unknown> }[] }[] | undefined;
        const firstSource = rules?.[0]?.from?.[0]?.source;
        if (firstSource) firstSource.ipBlocks = ['10.0.0.0/8'];
        const read = readAccessPolicy(live);
        const edited = planAccessPolicy(
          { ...formOf(live), action: f.action === 'DENY' ? 'ALLOW' : 'DENY' },
          ctx(live, attach),
        );
        expect(edited.spec.extra).toEqual({ future: true });
        if (firstSource)
          expect((edited.spec.rules as typeof rules)?.[0]?.from?.[0]?.source.ipBlocks).toEqual([
            '10.0.0.0/8',
          ]);
        expect(readAccessPolicy(edited).keptFields).toEqual(read.keptFields);
      }),
      { numRuns: 60 },
    );
  });
});

describe('which policies reach a service', () => {
  const service = { namespace: 'bookinfo', name: 'details', labels: { app: 'details' } };
  const all = [
    policy('ns-wide', 'bookinfo', { action: 'DENY', rules: [{}] }),
    policy('by-selector', 'bookinfo', { selector: { matchLabels: { app: 'details' } } }),
    policy('other-app', 'bookinfo', { selector: { matchLabels: { app: 'ratings' } } }),
    policy('waypoint', 'bookinfo', { targetRefs: [{ kind: 'Service', group: '', name: 'details' }] }),
    policy('waypoint-other', 'bookinfo', { targetRefs: [{ kind: 'Service', group: '', name: 'ratings' }] }),
    policy('gateway', 'bookinfo', {
      targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'details' }],
    }),
    policy('mesh-wide', 'istio-system', {
      action: 'DENY',
      rules: [{ from: [{ source: { notNamespaces: ['bookinfo'] } }] }],
    }),
    policy('root-selector', 'istio-system', { selector: { matchLabels: { app: 'details' } } }),
    policy('root-other', 'istio-system', { selector: { matchLabels: { app: 'istiod' } } }),
    policy('elsewhere', 'default', {}),
  ];

  it('in its namespace: selector, targetRefs to the Service, or neither; from the root namespace: the others', () => {
    const { items, others } = policiesForService(all, service);
    expect(items.map((p) => p.metadata.name)).toEqual(['by-selector', 'ns-wide', 'waypoint']);
    expect(others.map((p) => p.metadata.name)).toEqual(['mesh-wide', 'root-selector']);
  });

  it('a selector narrower than the Service’s matches when one of its instances has the labels', () => {
    const v1 = policy('v1-only', 'bookinfo', {
      selector: { matchLabels: { app: 'details', version: 'v1' } },
    });
    expect(policiesForService([v1], service).items).toEqual([]);
    expect(
      policiesForService([v1], { ...service, workloads: [{ app: 'details', version: 'v1' }] }).items,
    ).toEqual([v1]);
  });
});
