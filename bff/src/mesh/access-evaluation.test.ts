import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObservedCaller } from '../contract/security';
import {
  judgeCallers,
  mayRefuse,
  namespaceMatches,
  newlyRefused,
  plaintextCallers,
  principalMatches,
  suggestAllowPolicy,
} from './access-evaluation';
import { planAccessPolicy } from './authorization-policy';
import type { MeshObject } from './istio-types';

function caller(name: string, principal: string | null, extra: Partial<ObservedCaller> = {}): ObservedCaller {
  const ns = principal?.match(/\/ns\/([^/]+)\//)?.[1] ?? null;
  return {
    service: principal ? `${name}.${ns}.svc.cluster.local` : null,
    name,
    namespace: ns,
    version: 'v1',
    principal,
    requestsPerMinute: 60,
    mtlsShare: principal ? 1 : 0,
    ...extra,
  };
}

const productpage = caller('productpage', 'cluster.local/ns/bookinfo/sa/bookinfo-productpage');
const reviews = caller('reviews', 'cluster.local/ns/bookinfo/sa/bookinfo-reviews');
const sleep = caller('sleep', 'cluster.local/ns/foo/sa/sleep');
const legacy = caller('unknown', null);

function policy(
  name: string,
  spec: Record<string, unknown>,
  annotations?: Record<string, string>,
  namespace = 'bookinfo',
): MeshObject {
  const obj: MeshObject = {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace },
    spec,
  };
  if (annotations) obj.metadata.annotations = annotations;
  return obj;
}

const decisions = (policies: MeshObject[], callers: ObservedCaller[], port?: number) =>
  judgeCallers(policies, callers, port).map((v) => `${v.caller.name}:${v.decision}`);

describe('string matching as istiod generates it', () => {
  it.each([
    ['cluster.local/ns/foo/sa/sleep', 'cluster.local/ns/foo/sa/sleep', true],
    ['cluster.local/ns/foo/sa/sleep', 'cluster.local/ns/foo/sa/sleepy', false],
    ['cluster.local/ns/foo/*', 'cluster.local/ns/foo/sa/sleep', true],
    ['*/sa/sleep', 'cluster.local/ns/foo/sa/sleep', true],
    ['*/sa/sleep', 'cluster.local/ns/foo/sa/curl', false],
    ['*', 'cluster.local/ns/foo/sa/sleep', true],
    ['*', null, false],
    ['spiffe://cluster.local/ns/foo/sa/sleep', 'cluster.local/ns/foo/sa/sleep', false],
  ])('principal %s against %s: %s', (value, principal, expected) => {
    expect(principalMatches(value, principal)).toBe(expected);
  });

  it.each([
    ['foo', 'cluster.local/ns/foo/sa/sleep', true],
    ['fo', 'cluster.local/ns/foo/sa/sleep', false],
    ['f*', 'cluster.local/ns/foo/sa/sleep', true],
    ['*o', 'cluster.local/ns/foo/sa/sleep', true],
    ['*', 'cluster.local/ns/foo/sa/sleep', true],
    ['foo', null, false],
  ])('namespace %s against %s: %s', (value, principal, expected) => {
    expect(namespaceMatches(value, principal)).toBe(expected);
  });
});

describe('Istio’s evaluation order, with the documentation’s examples', () => {
  it('no policy: every caller is allowed', () => {
    expect(decisions([], [productpage, legacy])).toEqual(['productpage:allowed', 'unknown:allowed']);
  });

  it('allow-nothing (`spec: {}`, an ALLOW without rules) refuses every caller', () => {
    const verdicts = judgeCallers([policy('allow-nothing', {})], [productpage, sleep, legacy]);
    expect(verdicts.map((v) => v.decision)).toEqual(['denied', 'denied', 'denied']);
    // No ALLOW matched: no policy to name.
    expect(verdicts[0]?.policy).toBeNull();
  });

  it('deny-all (a DENY whose one empty rule matches everything) refuses every caller, naming itself', () => {
    const verdicts = judgeCallers(
      [policy('deny-all', { action: 'DENY', rules: [{}] })],
      [productpage, legacy],
    );
    expect(verdicts.map((v) => [v.decision, v.policy?.name])).toEqual([
      ['denied', 'deny-all'],
      ['denied', 'deny-all'],
    ]);
  });

  it('allow-all (`rules: [{}]`) allows everyone, even beside allow-nothing', () => {
    expect(
      decisions(
        [policy('allow-all', { action: 'ALLOW', rules: [{}] }), policy('allow-nothing', {})],
        [sleep, legacy],
      ),
    ).toEqual(['sleep:allowed', 'unknown:allowed']);
  });

  it('a DENY without rules matches nothing', () => {
    expect(decisions([policy('noop', { action: 'DENY' })], [sleep])).toEqual(['sleep:allowed']);
  });

  it('DENY from a namespace: callers of that namespace are refused, others and plaintext pass', () => {
    const deny = policy('deny-foo', {
      action: 'DENY',
      rules: [{ from: [{ source: { namespaces: ['foo'] } }] }],
    });
    expect(decisions([deny], [sleep, productpage, legacy])).toEqual([
      'sleep:denied',
      'productpage:allowed',
      'unknown:allowed',
    ]);
  });

  it('DENY from outside a namespace (notNamespaces) also refuses plaintext: it has no namespace at all', () => {
    const deny = policy('deny-others', {
      action: 'DENY',
      rules: [{ from: [{ source: { notNamespaces: ['bookinfo'] } }] }],
    });
    expect(decisions([deny], [sleep, productpage, legacy])).toEqual([
      'sleep:denied',
      'productpage:allowed',
      'unknown:denied',
    ]);
  });

  it('ALLOW by principal: the named caller is allowed, the others refused; plaintext never matches', () => {
    const allow = policy('allow-productpage', {
      selector: { matchLabels: { app: 'details' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/bookinfo/sa/bookinfo-productpage'] } }] }],
    });
    const verdicts = judgeCallers([allow], [productpage, reviews, legacy]);
    expect(verdicts.map((v) => [v.caller.name, v.decision, v.policy?.name ?? null])).toEqual([
      ['productpage', 'allowed', 'allow-productpage'],
      ['reviews', 'denied', null],
      ['unknown', 'denied', null],
    ]);
    expect(verdicts[2]?.reason).toMatch(/plaintext/);
  });

  it('the docs’ httpbin example: sources OR’ed, fields of one source AND’ed, values OR’ed', () => {
    // from: principal sleep OR namespace test; each source also requires the other field absent.
    const allow = policy('httpbin', {
      action: 'ALLOW',
      rules: [
        {
          from: [
            { source: { principals: ['cluster.local/ns/default/sa/sleep'] } },
            { source: { namespaces: ['test', 'dev'], notPrincipals: ['cluster.local/ns/test/sa/bad'] } },
          ],
        },
      ],
    });
    const callers = [
      caller('sleep', 'cluster.local/ns/default/sa/sleep'),
      caller('tester', 'cluster.local/ns/test/sa/tester'),
      caller('developer', 'cluster.local/ns/dev/sa/x'),
      caller('bad', 'cluster.local/ns/test/sa/bad'),
      caller('other', 'cluster.local/ns/default/sa/other'),
    ];
    expect(decisions([allow], callers)).toEqual([
      'sleep:allowed',
      'tester:allowed',
      'developer:allowed',
      'bad:denied',
      'other:denied',
    ]);
  });

  it('DENY wins over ALLOW', () => {
    const allow = policy('allow-all', { rules: [{}] });
    const deny = policy('deny-sleep', {
      action: 'DENY',
      rules: [{ from: [{ source: { principals: ['*/sa/sleep'] } }] }],
    });
    expect(decisions([allow, deny], [sleep, productpage])).toEqual(['sleep:denied', 'productpage:allowed']);
  });

  it('a caller sending part of its requests in plaintext: allowed by principal, its plaintext part refused', () => {
    const partly = caller('partly', 'cluster.local/ns/bookinfo/sa/bookinfo-productpage', { mtlsShare: 0.75 });
    const allow = policy('allow-pp', {
      rules: [{ from: [{ source: { principals: ['*/sa/bookinfo-productpage'] } }] }],
    });
    const [verdict] = judgeCallers([allow], [partly]);
    expect(verdict?.decision).toBe('unknown');
    expect(verdict?.reason).toMatch(/\(25% of them\) are refused/);
    // Without ALLOW policies, plaintext is refused by nothing here.
    expect(decisions([], [partly])).toEqual(['partly:allowed']);
    // A DENY of its principal refuses it whatever the share.
    const deny = policy('deny-pp', {
      action: 'DENY',
      rules: [{ from: [{ source: { principals: ['*/sa/bookinfo-productpage'] } }] }],
    });
    expect(decisions([deny], [partly])).toEqual(['partly:denied']);
  });

  it('a dry-run policy is not enforced; AUDIT never decides', () => {
    const dry = policy('deny-all', { action: 'DENY', rules: [{}] }, { 'istio.io/dry-run': 'true' });
    const audit = policy('audit', { action: 'AUDIT', rules: [{}] });
    expect(decisions([dry, audit], [sleep])).toEqual(['sleep:allowed']);
    // A value Go's ParseBool refuses does not make the policy a dry run.
    const notDry = policy('deny-all', { action: 'DENY', rules: [{}] }, { 'istio.io/dry-run': 'yes' });
    expect(decisions([notDry], [sleep])).toEqual(['sleep:denied']);
  });

  it('a rule on paths or methods: unknown unless the decision does not depend on it', () => {
    const denyPath = policy('deny-admin', {
      action: 'DENY',
      rules: [{ from: [{ source: { namespaces: ['foo'] } }], to: [{ operation: { paths: ['/admin*'] } }] }],
    });
    const verdicts = judgeCallers([denyPath], [sleep, productpage]);
    // sleep's requests are refused on /admin only: it depends on the paths.
    expect(verdicts.map((v) => [v.decision, v.policy?.name ?? null])).toEqual([
      ['unknown', 'deny-admin'],
      ['allowed', null],
    ]);
    // An ALLOW that matches outright decides for productpage whatever the path; a DENY elsewhere
    // that matches outright decides for sleep.
    const allowPp = policy('allow-pp', {
      rules: [{ from: [{ source: { principals: ['*/sa/bookinfo-productpage'] } }] }],
    });
    const allowGet = policy('allow-get', { rules: [{ to: [{ operation: { methods: ['GET'] } }] }] });
    expect(decisions([allowPp, allowGet], [productpage, sleep])).toEqual([
      'productpage:allowed',
      'sleep:unknown',
    ]);
  });

  it('ports: known when the destination port is given', () => {
    const deny = policy('deny-9080', {
      action: 'DENY',
      rules: [{ to: [{ operation: { ports: ['9080'] } }] }],
    });
    expect(decisions([deny], [sleep], 9080)).toEqual(['sleep:denied']);
    expect(decisions([deny], [sleep], 8080)).toEqual(['sleep:allowed']);
    expect(decisions([deny], [sleep])).toEqual(['sleep:unknown']);
    const notPort = policy('deny-not-80', {
      action: 'DENY',
      rules: [{ to: [{ operation: { notPorts: ['80'] } }] }],
    });
    expect(decisions([notPort], [sleep], 80)).toEqual(['sleep:allowed']);
  });

  it('conditions on the source identity are known; on headers, unknown', () => {
    const byNs = policy('ns-cond', {
      action: 'DENY',
      rules: [{ when: [{ key: 'source.namespace', values: ['foo'] }] }],
    });
    expect(decisions([byNs], [sleep, productpage])).toEqual(['sleep:denied', 'productpage:allowed']);
    const byHeader = policy('hdr', {
      action: 'DENY',
      rules: [{ when: [{ key: 'request.headers[x-user]', values: ['bob'] }] }],
    });
    expect(decisions([byHeader], [sleep])).toEqual(['sleep:unknown']);
  });

  it('CUSTOM: when its rules match, the external authorizer decides (unknown); a DENY still refuses', () => {
    const custom = policy('ext-authz', {
      action: 'CUSTOM',
      provider: { name: 'opa' },
      rules: [{ from: [{ source: { namespaces: ['foo'] } }] }],
    });
    const deny = policy('deny-pp', {
      action: 'DENY',
      rules: [{ from: [{ source: { principals: ['*/sa/bookinfo-productpage'] } }] }],
    });
    expect(decisions([custom, deny], [sleep, productpage, reviews])).toEqual([
      'sleep:unknown',
      'productpage:denied',
      'reviews:allowed',
    ]);
  });
});

describe('ambient without a waypoint: ztunnel enforces L4 attributes only', () => {
  const l4Only = { l4Only: true };

  it('an ALLOW rule with an HTTP attribute never matches (stricter than written)', () => {
    const allow = policy('allow-get', {
      rules: [{ from: [{ source: { namespaces: ['foo'] } }], to: [{ operation: { methods: ['GET'] } }] }],
    });
    expect(decisions([allow], [sleep])).toEqual(['sleep:unknown']);
    expect(judgeCallers([allow], [sleep], l4Only).map((v) => v.decision)).toEqual(['denied']);
  });

  it('a DENY rule loses its HTTP attributes: with ports left it is broader, with nothing left it matches nothing', () => {
    const withPort = policy('deny-admin-9080', {
      action: 'DENY',
      rules: [{ to: [{ operation: { paths: ['/admin'], ports: ['9080'] } }] }],
    });
    expect(judgeCallers([withPort], [sleep], { port: 9080 }).map((v) => v.decision)).toEqual(['unknown']);
    expect(judgeCallers([withPort], [sleep], { port: 9080, l4Only: true }).map((v) => v.decision)).toEqual([
      'denied',
    ]);
    const pathOnly = policy('deny-admin', {
      action: 'DENY',
      rules: [{ from: [{ source: { namespaces: ['foo'] } }], to: [{ operation: { paths: ['/admin'] } }] }],
    });
    expect(judgeCallers([pathOnly], [sleep], l4Only).map((v) => v.decision)).toEqual(['allowed']);
    const headerOnly = policy('deny-header', {
      action: 'DENY',
      rules: [{ when: [{ key: 'request.headers[x-user]', values: ['bob'] }] }],
    });
    expect(judgeCallers([headerOnly], [sleep], l4Only).map((v) => v.decision)).toEqual(['allowed']);
  });

  it('L4 attributes decide as with a sidecar', () => {
    const deny = policy('deny-foo', {
      action: 'DENY',
      rules: [{ from: [{ source: { namespaces: ['foo'] } }] }],
    });
    expect(judgeCallers([deny], [sleep, productpage], l4Only).map((v) => v.decision)).toEqual([
      'denied',
      'allowed',
    ]);
  });

  it('what a change refuses follows the same enforcement', () => {
    const next = policy('allow-get', { rules: [{ to: [{ operation: { methods: ['GET'] } }] }] });
    expect(newlyRefused([], next, 'allow-get', [sleep])).toEqual([]);
    expect(newlyRefused([], next, 'allow-get', [sleep], l4Only).map((v) => v.caller.name)).toEqual(['sleep']);
  });
});

describe('what a change would refuse', () => {
  const callers = [productpage, reviews, sleep, legacy];
  const ctx = {
    namespace: 'bookinfo',
    selector: { app: 'details' },
    serviceId: 'details.bookinfo.svc.cluster.local',
    serviceName: 'details',
    attach: 'selector' as const,
    current: null,
  };

  it('adding an ALLOW for productpage refuses everyone else', () => {
    const next = planAccessPolicy(
      {
        name: 'only-productpage',
        action: 'ALLOW',
        rules: [{ from: [{ principals: [productpage.principal ?? ''] }] }],
        dryRun: false,
      },
      ctx,
    );
    expect(newlyRefused([], next, 'only-productpage', callers).map((v) => v.caller.name)).toEqual([
      'reviews',
      'sleep',
      'unknown',
    ]);
    // The same as a dry run refuses nobody.
    const dry = planAccessPolicy(
      { name: 'only-productpage', action: 'ALLOW', rules: [{ from: [{ principals: ['x'] }] }], dryRun: true },
      ctx,
    );
    expect(newlyRefused([], dry, 'only-productpage', callers)).toEqual([]);
  });

  it('replacing a policy: only callers not refused before count; removing a DENY refuses nobody', () => {
    const denySleep = policy('p', {
      action: 'DENY',
      rules: [{ from: [{ source: { namespaces: ['foo'] } }] }],
    });
    const denyBookinfo = policy('p', {
      action: 'DENY',
      rules: [{ from: [{ source: { namespaces: ['bookinfo', 'foo'] } }] }],
    });
    expect(newlyRefused([denySleep], denyBookinfo, 'p', callers).map((v) => v.caller.name)).toEqual([
      'productpage',
      'reviews',
    ]);
    expect(newlyRefused([denySleep], null, 'p', callers)).toEqual([]);
    // Removing the only ALLOW-nothing… allows; removing the ALLOW that let callers in refuses them
    // when another ALLOW remains.
    const allowPp = policy('allow-pp', {
      rules: [{ from: [{ source: { principals: ['*/sa/bookinfo-productpage'] } }] }],
    });
    const allowSleep = policy('allow-sleep', { rules: [{ from: [{ source: { namespaces: ['foo'] } }] }] });
    expect(
      newlyRefused([allowPp, allowSleep], null, 'allow-sleep', callers).map((v) => v.caller.name),
    ).toEqual(['sleep']);
  });

  it('a change that depends on paths is not counted as refusing, but as maybe refusing', () => {
    const next = policy('deny-admin', {
      action: 'DENY',
      rules: [{ to: [{ operation: { paths: ['/admin'] } }] }],
    });
    expect(newlyRefused([], next, 'deny-admin', [sleep])).toEqual([]);
    expect(mayRefuse([], next, 'deny-admin', [sleep]).map((v) => v.caller.name)).toEqual(['sleep']);
  });

  it('a policy of the same name in another namespace is not replaced', () => {
    const rootDeny = policy('p', { action: 'DENY', rules: [{}] }, undefined, 'istio-system');
    const next = policy('p', { action: 'DENY' });
    expect(decisions([rootDeny], [sleep])).toEqual(['sleep:denied']);
    expect(newlyRefused([rootDeny], next, 'p', [sleep])).toEqual([]);
    expect(judgeCallers([rootDeny, next], [sleep]).map((v) => v.decision)).toEqual(['denied']);
  });
});

describe('plaintext callers and "allow what is seen now"', () => {
  it('plaintext: no identity, or some requests without mutual TLS', () => {
    const partial = caller('partly', 'cluster.local/ns/foo/sa/partly', { mtlsShare: 0.5 });
    const unknownShare = caller('share-unknown', 'cluster.local/ns/foo/sa/x', { mtlsShare: null });
    expect(plaintextCallers([productpage, legacy, partial, unknownShare])).toEqual([legacy, partial]);
  });

  it('the suggestion allows exactly the identified callers and lists the others', () => {
    const callers = [productpage, reviews, legacy, { ...productpage, version: 'v2' }];
    const { form, unidentified } = suggestAllowPolicy(callers, 'details-seen');
    expect(form).toMatchObject({ name: 'details-seen', action: 'ALLOW', dryRun: false });
    expect(form.rules).toEqual([
      { from: [{ principals: [productpage.principal, reviews.principal].sort() }] },
    ]);
    expect(unidentified).toEqual([legacy]);
  });

  it('many callers: split into sources and rules within the contract’s bounds, all of them allowed', () => {
    const callers = Array.from({ length: 3000 }, (_, i) =>
      caller(`c${i}`, `cluster.local/ns/n${i % 7}/sa/s${i}`),
    );
    const { form, unidentified } = suggestAllowPolicy(callers, 'many');
    expect(form.rules.map((r) => r.from?.length)).toEqual([32, 15]);
    expect(form.rules.flatMap((r) => r.from ?? []).every((f) => (f.principals?.length ?? 0) <= 64)).toBe(
      true,
    );
    expect(unidentified).toEqual([]);
    const obj = planAccessPolicy(form, {
      namespace: 'bookinfo',
      selector: { app: 'details' },
      serviceId: 'details',
      serviceName: 'details',
      attach: 'selector',
      current: null,
    });
    expect(judgeCallers([obj], callers).every((v) => v.decision === 'allowed')).toBe(true);
  });

  it('property: the suggested policy allows every identified caller seen and refuses the others', () => {
    const principal = fc
      .tuple(fc.constantFrom('bookinfo', 'foo', 'shop'), fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/))
      .map(([ns, sa]) => `cluster.local/ns/${ns}/sa/${sa}`);
    const seen = fc.array(fc.option(principal, { nil: null }), { maxLength: 90 });
    fc.assert(
      fc.property(seen, principal, (principals, stranger) => {
        const callers = principals.map((p, i) => caller(`c${i}`, p));
        const { form, unidentified } = suggestAllowPolicy(callers, 'seen');
        const obj = planAccessPolicy(form, {
          namespace: 'bookinfo',
          selector: { app: 'details' },
          serviceId: 'details',
          serviceName: 'details',
          attach: 'selector',
          current: null,
        });
        const verdicts = judgeCallers([obj], callers);
        verdicts.forEach((v) => expect(v.decision).toBe(v.caller.principal ? 'allowed' : 'denied'));
        expect(unidentified.length).toBe(principals.filter((p) => p === null).length);
        const strangerVerdict = judgeCallers([obj], [caller('stranger', stranger)])[0];
        expect(strangerVerdict?.decision).toBe(principals.includes(stranger) ? 'allowed' : 'denied');
      }),
      { numRuns: 80 },
    );
  });
});
