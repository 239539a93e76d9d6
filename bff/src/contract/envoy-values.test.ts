import { describe, expect, it } from 'vitest';
import {
  apiVersionProblem,
  headerFormatProblem,
  headerNameProblem,
  headerValueProblem,
  labelKeyProblem,
  labelValueProblem,
  matchValueProblem,
  methodProblem,
  pathProblem,
  regexProblem,
  responseHeaderNameProblem,
  wildcardHostProblem,
} from './envoy-values';
import { RateLimitForm } from './ratelimit';
import type { RateLimitFormInput } from './ratelimit';
import { RouteForm } from './routing';
import type { RouteFormInput } from './routing';

describe('the values Envoy and Istio accept', () => {
  it('regular expressions: RE2 only, within the length and program size limits', () => {
    expect(regexProblem('^/api/v[0-9]+/.*$')).toBeNull();
    expect(regexProblem('(?i)chrome|firefox')).toBeNull();
    expect(regexProblem('(((')).toMatch(/Not a valid RE2 regular expression \(missing closing \)/);
    expect(regexProblem('[z-a]')).toMatch(/invalid character class range/);
    expect(regexProblem('(?<=a)b')).toMatch(/RE2/);
    expect(regexProblem('(a)\\1')).toMatch(/RE2/);
    expect(regexProblem('a{1001}')).toMatch(/invalid repeat count/);
    expect(regexProblem('a'.repeat(1025))).toMatch(/at most 1024 characters/);
    expect(regexProblem('[a-z]{1000}'.repeat(40))).toMatch(
      /too complex for Envoy \(program size \d+, at most 32768\)/,
    );
    expect(regexProblem('')).toMatch(/Enter/);
  });

  it('header names: HTTP tokens, no pseudo-headers, no CR, LF or NUL', () => {
    expect(headerNameProblem('x-user')).toBeNull();
    expect(headerNameProblem('X_Custom.Header~1')).toBeNull();
    expect(headerNameProblem(':authority')).toMatch(/pseudo-header/);
    expect(headerNameProblem(':status')).toMatch(/pseudo-header/);
    expect(headerNameProblem('x\r\nset-cookie')).toMatch(/line break/);
    expect(headerNameProblem('x\u0000y')).toMatch(/NUL/);
    expect(headerNameProblem('has space')).toMatch(/letters, digits/);
    expect(headerNameProblem('a:b')).toMatch(/letters, digits/);
    expect(headerNameProblem('x'.repeat(16 * 1024 + 1))).toMatch(/16384 bytes/);
    expect(headerNameProblem('')).toMatch(/Enter/);
  });

  it('header values: no control characters but tab, at most 16 KiB', () => {
    expect(headerValueProblem('a\tb c')).toBeNull();
    expect(headerValueProblem('a\r\nb')).toMatch(/line break/);
    expect(headerValueProblem('a\u0000')).toMatch(/NUL/);
    expect(headerValueProblem('\u007f')).toMatch(/control/);
    expect(headerValueProblem('v'.repeat(16 * 1024 + 1))).toMatch(/16384 bytes/);
    expect(matchValueProblem('a\nb')).toMatch(/line break/);
  });

  it("values Envoy formats: %% for a percent sign, %VARIABLE% otherwise (Envoy's header parser)", () => {
    for (const ok of [
      '100%%',
      '%HOSTNAME%',
      'pre %START_TIME% post',
      '%REQ(x-id)%',
      '%PER_REQUEST_STATE(["a","b"])%',
    ])
      expect(headerFormatProblem(ok), ok).toBeNull();
    expect(headerFormatProblem('50%')).toMatch(/single "%"/);
    expect(headerFormatProblem('abc%123')).toMatch(/not closed/);
    expect(headerFormatProblem('%START_TIME%%')).toMatch(/single "%"/);
    expect(headerFormatProblem('a\r\nb')).toMatch(/line break/);
  });

  it('response headers Envoy cannot add to its own reply', () => {
    expect(responseHeaderNameProblem('retry-after')).toBeNull();
    expect(responseHeaderNameProblem('x-ratelimit-reason')).toBeNull();
    expect(responseHeaderNameProblem(':status')).toMatch(/pseudo-header; Envoy cannot add it/);
    expect(responseHeaderNameProblem('Host')).toMatch(/host header/);
    expect(responseHeaderNameProblem('set-cookie')).toMatch(/must not set cookies/);
    expect(responseHeaderNameProblem('Content-Length')).toMatch(/content-length/);
    expect(responseHeaderNameProblem('transfer-encoding')).toMatch(/framing/);
    expect(responseHeaderNameProblem('connection')).toMatch(/HTTP\/2/);
    expect(responseHeaderNameProblem('x\r\ny')).toMatch(/line break/);
  });

  it('paths, methods', () => {
    expect(pathProblem('/api')).toBeNull();
    expect(pathProblem('api')).toBe('A path starts with "/"');
    expect(pathProblem('/a b')).toMatch(/spaces/);
    expect(pathProblem('/a\r\n')).toMatch(/control/);
    expect(pathProblem('/a#b')).toMatch(/#/);
    expect(methodProblem('GET')).toBeNull();
    expect(methodProblem('PROPFIND')).toBeNull();
    expect(methodProblem('GET /')).toMatch(/without spaces/);
    expect(methodProblem('G\nET')).toMatch(/without spaces/);
  });

  it('Kubernetes label keys and values, apiVersions, hosts', () => {
    expect(labelKeyProblem('app')).toBeNull();
    expect(labelKeyProblem('app.kubernetes.io/name')).toBeNull();
    expect(labelKeyProblem('bad key')).toMatch(/letters, digits/);
    expect(labelKeyProblem('a/b/c')).toMatch(/at most one/);
    expect(labelKeyProblem('/x')).toMatch(/prefix before/);
    expect(labelKeyProblem('Example.COM/x')).toMatch(/DNS subdomain/);
    expect(labelKeyProblem('x'.repeat(64))).toMatch(/63/);
    expect(labelKeyProblem('-x')).toMatch(/starting and ending/);
    expect(labelValueProblem('')).toBeNull();
    expect(labelValueProblem('v1.2_3')).toBeNull();
    expect(labelValueProblem('a b')).toMatch(/label value/);
    expect(apiVersionProblem('v1')).toBeNull();
    expect(apiVersionProblem('networking.istio.io/v1')).toBeNull();
    expect(apiVersionProblem('networking..istio.io/v1')).toMatch(/DNS subdomain/);
    expect(apiVersionProblem('a/b/c')).toMatch(/group\/version/);
    expect(apiVersionProblem('networking.istio.io/')).toMatch(/version must be/);
    expect(wildcardHostProblem('reviews.bookinfo.svc.cluster.local')).toBeNull();
    expect(wildcardHostProblem('*.example.com')).toBeNull();
    expect(wildcardHostProblem('*')).toBeNull();
    expect(wildcardHostProblem('10.0.0.1')).toBeNull();
    expect(wildcardHostProblem('a..b')).toMatch(/label "" is not valid/);
    expect(wildcardHostProblem('foo.*.com')).toMatch(/label "\*" is not valid/);
    expect(wildcardHostProblem('example.123')).toMatch(/all digits/);
  });
});

function routeIssue(match: Record<string, unknown>) {
  const form: RouteFormInput = {
    name: 'r',
    routeType: 'condition',
    trafficSplit: false,
    destinations: [{ version: 'v1', weight: 100 }],
    matches: [{ match: match as never, destinations: [{ version: 'v2', weight: 100 }] }],
  };
  const result = RouteForm.safeParse(form);
  if (result.success) return null;
  const issue = result.error.issues[0];
  return issue ? { path: issue.path.join('.'), message: issue.message } : null;
}

describe('the routing form refuses what Envoy refuses, naming the field', () => {
  it('accepts valid conditions', () => {
    expect(
      routeIssue({
        headers: [{ name: 'x-user', type: 'regex', value: '^(alice|bob)$' }],
        uri: { type: 'prefix', value: '/api' },
        method: { type: 'exact', value: 'GET' },
        sourceLabels: { 'app.kubernetes.io/name': 'web' },
      }),
    ).toBeNull();
  });

  it.each([
    ['matches.0.match.uri.value', { uri: { type: 'regex', value: '(((' } }, /RE2/],
    ['matches.0.match.uri.value', { uri: { type: 'regex', value: '[z-a]' } }, /range/],
    ['matches.0.match.uri.value', { uri: { type: 'exact', value: 'api' } }, /starts with "\/"/],
    ['matches.0.match.uri.value', { uri: { type: 'prefix', value: 'api' } }, /starts with "\/"/],
    ['matches.0.match.method.value', { method: { type: 'exact', value: 'GE T' } }, /without spaces/],
    [
      'matches.0.match.headers.0.name',
      { headers: [{ name: ':authority', type: 'exact', value: 'a' }] },
      /pseudo/,
    ],
    [
      'matches.0.match.headers.0.name',
      { headers: [{ name: ':status', type: 'exact', value: 'a' }] },
      /pseudo/,
    ],
    ['matches.0.match.headers.0.name', { headers: [{ name: 'x y', type: 'exact', value: 'a' }] }, /letters/],
    [
      'matches.0.match.headers.0.value',
      { headers: [{ name: 'x', type: 'exact', value: 'a\r\nb' }] },
      /line break/,
    ],
    ['matches.0.match.headers.0.value', { headers: [{ name: 'x', type: 'exact', value: 'a\u0000' }] }, /NUL/],
    ['matches.0.match.headers.0.value', { headers: [{ name: 'x', type: 'regex', value: '(?=x)' }] }, /RE2/],
    ['matches.0.match.sourceLabels.bad key', { sourceLabels: { 'bad key': 'v' } }, /letters/],
    ['matches.0.match.sourceLabels.app', { sourceLabels: { app: 'a b' } }, /label value/],
    ['matches.0.match.rpcMethod', { rpcMethod: 'say\nHello' }, /line break/],
  ])('%s', (path, match, message) => {
    const issue = routeIssue(match);
    expect(issue?.path).toBe(path);
    expect(issue?.message).toMatch(message);
  });
});

function rateIssue(patch: Partial<RateLimitFormInput>) {
  const result = RateLimitForm.safeParse({
    name: 'l',
    limit: { requests: 10, unit: 'second' },
    scope: 'instance',
    enabled: true,
    shadow: false,
    ...patch,
  });
  if (result.success) return null;
  const issue = result.error.issues[0];
  return issue ? { path: issue.path.join('.'), message: issue.message } : null;
}

describe('the rate-limit form refuses what Envoy refuses, naming the field', () => {
  it('accepts a valid rule', () => {
    expect(
      rateIssue({
        match: { path: { type: 'prefix', value: '/api' }, header: { name: 'x-tenant', value: 'a' } },
        response: { status: 429, header: { name: 'retry-after', value: '1' } },
      }),
    ).toBeNull();
  });

  it.each([
    ['match.path.value', { match: { path: { type: 'exact', value: 'api' } } }, /starts with/],
    ['match.header.name', { match: { header: { name: ':authority', value: 'a' } } }, /pseudo/],
    ['match.header.value', { match: { header: { name: 'x', value: 'a\nb' } } }, /line break/],
    ['match.header.name', { match: { header: { name: 'x\u0000', value: 'a' } } }, /NUL/],
    ['match.rpcMethod', { match: { rpcMethod: 'a\r\nb' } }, /line break/],
    [
      'response.header.name',
      { response: { status: 429, header: { name: 'set-cookie', value: 'a=b' } } },
      /cookies/,
    ],
    [
      'response.header.name',
      { response: { status: 429, header: { name: ':status', value: '200' } } },
      /pseudo/,
    ],
    ['response.header.name', { response: { status: 429, header: { name: 'host', value: 'x' } } }, /host/],
    ['response.header.value', { response: { status: 429, header: { name: 'x', value: '50%' } } }, /"%"/],
    [
      'response.header.value',
      { response: { status: 429, header: { name: 'x', value: 'v'.repeat(16 * 1024 + 1) } } },
      /16384/,
    ],
  ])('%s', (path, patch, message) => {
    const issue = rateIssue(patch as Partial<RateLimitFormInput>);
    expect(issue?.path).toBe(path);
    expect(issue?.message).toMatch(message);
  });
});
