import { describe, expect, it } from 'vitest';
import { decideRoute } from './decide';
import { config, meshRequest, objectsOf } from './fixtures.test-support';
import {
  compileRe2,
  readHttpMatch,
  requestMatches,
  stringMatches,
  readStringMatch,
  wireRequest,
} from './match';
import type { RequestContext } from './types';

/** Matching as the VirtualService reference describes HTTPMatchRequest and StringMatch. */

describe('StringMatch', () => {
  it.each([
    [{ exact: '/a' }, '/a', true],
    [{ exact: '/a' }, '/a/', false],
    [{ prefix: '/a' }, '/ab', true],
    [{ prefix: '/a' }, '/b', false],
    // RE2 regexes match the whole value, not a substring (Envoy safe_regex).
    [{ regex: '/a.*' }, '/abc', true],
    [{ regex: 'b' }, 'abc', false],
    [{ regex: '.*b.*' }, 'abc', true],
    [{ regex: '(?i)abc' }, 'ABC', true],
    [{ regex: '(?P<v>v[0-9]+)' }, 'v12', true],
    [{ regex: 'v[0-9]+' }, 'v1x', false],
    // `*` is not RE2: Istio reads it as "present"; so does an empty match.
    [{ regex: '*' }, '', true],
    [{}, 'anything', true],
  ])('%o against %s → %s', (spec, value, expected) => {
    const m = readStringMatch(spec);
    expect(m && stringMatches(m, value)).toBe(expected);
  });

  it('never matches an absent value, and an unreadable regex never matches', () => {
    expect(stringMatches({ kind: 'present', value: '' }, undefined)).toBe(false);
    expect(compileRe2('(')).toBeNull();
    const bad = readStringMatch({ regex: '(' });
    expect(bad && stringMatches(bad, '(')).toBe(false);
  });
});

describe('HTTPMatchRequest against a request', () => {
  const req = (over: Partial<RequestContext> = {}) =>
    wireRequest({
      host: 'reviews',
      path: '/reviews/1?user=jason&debug',
      method: 'GET',
      headers: {},
      ...over,
    });
  const matches = (match: unknown, over: Partial<RequestContext> = {}) =>
    requestMatches(readHttpMatch(match, 'default'), req(over));

  it.each([
    ['uri prefix', { uri: { prefix: '/reviews' } }, {}, true],
    ['uri exact ignores the query string', { uri: { exact: '/reviews/1' } }, {}, true],
    ['uri regex ignores the query string', { uri: { regex: '/reviews/[0-9]+' } }, {}, true],
    ['uri exact is case-sensitive', { uri: { exact: '/Reviews/1' } }, {}, false],
    ['ignoreUriCase on exact', { uri: { exact: '/Reviews/1' }, ignoreUriCase: true }, {}, true],
    ['ignoreUriCase on prefix', { uri: { prefix: '/REVIEWS' }, ignoreUriCase: true }, {}, true],
    ['method exact', { method: { exact: 'GET' } }, {}, true],
    ['method exact, other method', { method: { exact: 'POST' } }, {}, false],
    ['authority prefix', { authority: { prefix: 'rev' } }, {}, true],
    [
      'authority from the Host header',
      { authority: { exact: 'reviews:9080' } },
      { headers: { host: 'reviews:9080' } },
      true,
    ],
    ['scheme exact', { scheme: { exact: 'http' } }, {}, true],
    [
      'header exact',
      { headers: { 'end-user': { exact: 'jason' } } },
      { headers: { 'end-user': 'jason' } },
      true,
    ],
    [
      'header names are case-insensitive',
      { headers: { 'End-User': { exact: 'jason' } } },
      { headers: { 'END-USER': 'jason' } },
      true,
    ],
    ['header missing', { headers: { 'end-user': { exact: 'jason' } } }, {}, false],
    ['header present ({})', { headers: { 'x-canary': {} } }, { headers: { 'x-canary': '' } }, true],
    ['header present, missing', { headers: { 'x-canary': {} } }, {}, false],
    [
      'header regex',
      { headers: { cookie: { regex: '^(.*?;)?(user=jason)(;.*)?$' } } },
      { headers: { cookie: 'a=1; user=jason' } },
      false,
    ],
    [
      'header regex full match',
      { headers: { cookie: { regex: '(.*; )?user=jason(;.*)?' } } },
      { headers: { cookie: 'a=1; user=jason' } },
      true,
    ],
    ['withoutHeaders, header absent', { withoutHeaders: { 'end-user': { exact: 'jason' } } }, {}, true],
    [
      'withoutHeaders, other value',
      { withoutHeaders: { 'end-user': { exact: 'jason' } } },
      { headers: { 'end-user': 'mary' } },
      true,
    ],
    [
      'withoutHeaders, that value',
      { withoutHeaders: { 'end-user': { exact: 'jason' } } },
      { headers: { 'end-user': 'jason' } },
      false,
    ],
    ['withoutHeaders present, absent', { withoutHeaders: { 'x-canary': {} } }, {}, true],
    [
      'withoutHeaders present, present',
      { withoutHeaders: { 'x-canary': {} } },
      { headers: { 'x-canary': '1' } },
      false,
    ],
    ['query param exact', { queryParams: { user: { exact: 'jason' } } }, {}, true],
    ['query param regex', { queryParams: { user: { regex: 'ja.*' } } }, {}, true],
    ['query param present (no value)', { queryParams: { debug: {} } }, {}, true],
    ['query param missing', { queryParams: { other: {} } }, {}, false],
    [
      'JWT claim headers never hold without a JWT',
      { headers: { '@request.auth.claims.group': { exact: 'a' } } },
      {},
      false,
    ],
    [
      'all conditions of one entry must hold',
      { uri: { prefix: '/reviews' }, headers: { 'end-user': { exact: 'jason' } } },
      { headers: { 'end-user': 'mary' } },
      false,
    ],
  ])('%s', (_name, match, over, expected) => {
    expect(matches(match, over)).toBe(expected);
  });
});

describe('match conditions about the caller', () => {
  const c = config(
    objectsOf(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - name: from-productpage
    match:
    - sourceLabels: {app: productpage}
      port: 9080
    route: [{destination: {host: reviews}, weight: 1}]
  - name: from-other-namespace
    match:
    - sourceNamespace: other
    route: [{destination: {host: reviews}}]
  - name: wrong-port
    match:
    - port: 8080
    route: [{destination: {host: reviews}}]
  - name: gateway-only
    match:
    - gateways: [bookinfo-gateway]
    route: [{destination: {host: reviews}}]
  - name: rest
    route: [{destination: {host: reviews}}]
`),
  );
  const name = (over: Partial<RequestContext>) => {
    const d = decideRoute(c, meshRequest('reviews', over));
    return d.kind === 'route' ? d.routeName : d.kind;
  };

  it.each([
    ['productpage', { sourceLabels: { app: 'productpage', version: 'v1' } }, 'from-productpage'],
    ['reviews in default', { sourceLabels: { app: 'reviews' } }, 'rest'],
    [
      'reviews in other',
      { sourceLabels: { app: 'reviews' }, sourceNamespace: 'other', host: 'reviews.default' },
      'from-other-namespace',
    ],
  ])('%s → %s', (_n, over, expected) => {
    expect(name(over)).toBe(expected);
  });
});
