import { describe, expect, it } from 'vitest';
import { validateIstioObject } from './istio-validation';

type Rec = Record<string, unknown>;

function vs(http: Rec[], extra: Rec = {}): Rec {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'bookinfo' },
    spec: { hosts: ['reviews.bookinfo.svc.cluster.local'], http, ...extra },
  };
}

const dest = (subset = 'v1', weight?: number): Rec => ({
  destination: { host: 'reviews.bookinfo.svc.cluster.local', subset },
  ...(weight === undefined ? {} : { weight }),
});

/** One route with a match, for table tests of the match fields. */
const withMatch = (match: Rec): Rec => vs([{ match: [match], route: [dest()] }]);
const fields = (obj: unknown) => validateIstioObject(obj).map((p) => p.field);

describe('validateIstioObject: VirtualService', () => {
  it('accepts what the console writes and a rich hand-written rule', () => {
    expect(
      validateIstioObject(
        vs([
          {
            name: 'canary',
            match: [
              {
                uri: { prefix: '/api' },
                method: { exact: 'GET' },
                headers: { 'x-user': { regex: '^(alice|bob)$' }, ':authority': { exact: 'a' } },
                queryParams: { debug: { exact: '1' } },
                sourceLabels: { app: 'productpage' },
              },
            ],
            route: [dest('v1', 80), dest('v2', 20)],
            timeout: '1.5s',
            retries: { attempts: 3, perTryTimeout: '500ms' },
            fault: { delay: { percentage: { value: 10 }, fixedDelay: '2s' } },
            headers: {
              request: { set: { 'x-canary': 'yes', host: 'other' } },
              response: { add: { 'x-served-by': '%HOSTNAME%' } },
            },
            rewrite: { uriRegexRewrite: { match: '^/api(/.*)', rewrite: '\\1' } },
          },
          { route: [dest('v1')] },
        ]),
      ),
    ).toEqual([]);
  });

  it.each([
    ['spec.http[0].match[0].uri.regex', { uri: { regex: '(((' } }, /RE2/],
    ['spec.http[0].match[0].uri.regex', { uri: { regex: '[z-a]' } }, /range/],
    ['spec.http[0].match[0].uri.regex', { uri: { regex: '' } }, /cannot be empty/],
    ['spec.http[0].match[0].uri.exact', { uri: { exact: 'api' } }, /starts with "\/"/],
    ['spec.http[0].match[0].method.exact', { method: { exact: 'GE T' } }, /method/],
    ['spec.http[0].match[0].method.prefix', { method: { prefix: '' } }, /cannot be empty/],
    ['spec.http[0].match[0].authority.regex', { authority: { regex: '(?=a)' } }, /RE2/],
    ['spec.http[0].match[0].headers["x y"]', { headers: { 'x y': { exact: 'a' } } }, /letters/],
    ['spec.http[0].match[0].headers[":status"]', { headers: { ':status': { exact: '200' } } }, /pseudo/],
    ['spec.http[0].match[0].headers["x-a"].exact', { headers: { 'x-a': { exact: 'a\r\nb' } } }, /line break/],
    ['spec.http[0].match[0].headers["x-a"].regex', { headers: { 'x-a': { regex: 'a{2,1}' } } }, /repeat/],
    ['spec.http[0].match[0].queryParams.q.regex', { queryParams: { q: { regex: '(' } } }, /RE2/],
    ['spec.http[0].match[0].sourceLabels["bad key"]', { sourceLabels: { 'bad key': 'v' } }, /letters/],
    ['spec.http[0].match[0].sourceNamespace', { sourceNamespace: 'Bad_NS' }, /Lower-case/],
    ['spec.http[0].match[0].port', { port: 70000 }, /1\.\.65535/],
  ])('%s', (field, match, message) => {
    const problems = validateIstioObject(withMatch(match));
    expect(problems).toContainEqual({ field, message: expect.stringMatching(message) });
  });

  it('checks weights as Istio does: whole, not negative, not all zero; at most 100 each', () => {
    expect(fields(vs([{ route: [dest('v1', -1), dest('v2', 101)] }]))).toEqual([
      'spec.http[0].route[0].weight',
      'spec.http[0].route[1].weight',
    ]);
    expect(fields(vs([{ route: [dest('v1', -5), dest('v2', 5)] }]))).toEqual([
      'spec.http[0].route[0].weight',
      'spec.http[0].route',
    ]);
    expect(validateIstioObject(vs([{ route: [dest('v1', 0), dest('v2', 0)] }]))).toEqual([
      { field: 'spec.http[0].route', message: 'The destination weights add up to 0' },
    ]);
    expect(fields(vs([{ route: [dest('v1', 79.5), dest('v2', 20.5)] }]))).toEqual([
      'spec.http[0].route[0].weight',
      'spec.http[0].route[1].weight',
    ]);
    // Istio does not require a total of 100 (Envoy normalises), only a non-zero one.
    expect(validateIstioObject(vs([{ route: [dest('v1', 30), dest('v2', 30)] }]))).toEqual([]);
  });

  it('checks destinations, hosts and route structure', () => {
    expect(fields(vs([{ route: [{ destination: { host: '*', subset: 'v1' } }] }]))).toEqual([
      'spec.http[0].route[0].destination.host',
    ]);
    expect(fields(vs([{ route: [{ destination: { host: 'r', subset: 'V_1' } }] }]))).toEqual([
      'spec.http[0].route[0].destination.subset',
    ]);
    expect(fields(vs([{ route: [{ weight: 100 }] }]))).toEqual(['spec.http[0].route[0].destination']);
    expect(fields(vs([{ match: [{ uri: { prefix: '/' } }] }]))).toEqual(['spec.http[0].route']);
    expect(fields(vs([{ route: [dest()], redirect: { uri: '/x' } }]))).toEqual(['spec.http[0].redirect']);
    expect(fields(vs([]))).toEqual(['spec']);
    expect(fields(vs([{ route: [dest()] }], { hosts: ['*'] }))).toEqual(['spec.hosts[0]']);
    expect(fields(vs([{ route: [dest()] }], { hosts: ['a..b'] }))).toEqual(['spec.hosts[0]']);
    expect(fields(vs([{ route: [dest()] }], { hosts: ['*.example.com', 'a.example.com'] }))).toEqual([
      'spec.hosts[1]',
    ]);
  });

  it('checks fault percentages, statuses, durations, rewrites and header operations', () => {
    const route = (extra: Rec) => vs([{ route: [dest()], ...extra }]);
    expect(fields(route({ fault: { abort: { httpStatus: 700, percentage: { value: 150 } } } }))).toEqual([
      'spec.http[0].fault.abort.percentage.value',
      'spec.http[0].fault.abort.httpStatus',
    ]);
    expect(fields(route({ fault: { delay: { percentage: { value: -1 }, fixedDelay: '0.5ms' } } }))).toEqual([
      'spec.http[0].fault.delay.percentage.value',
      'spec.http[0].fault.delay.fixedDelay',
    ]);
    expect(fields(route({ fault: {} }))).toEqual(['spec.http[0].fault']);
    expect(fields(route({ timeout: 'soon' }))).toEqual(['spec.http[0].timeout']);
    expect(fields(route({ timeout: '1.0005s' }))).toEqual(['spec.http[0].timeout']);
    expect(fields(route({ rewrite: {} }))).toEqual(['spec.http[0].rewrite']);
    expect(fields(route({ rewrite: { uriRegexRewrite: { match: '(', rewrite: '/' } } }))).toEqual([
      'spec.http[0].rewrite.uriRegexRewrite.match',
    ]);
    expect(
      fields(
        route({
          headers: { response: { set: { ':status': '200', host: 'x', 'x-ok': '50%' }, remove: [':path'] } },
        }),
      ),
    ).toEqual([
      'spec.http[0].headers.response.set[":status"]',
      'spec.http[0].headers.response.set.host',
      'spec.http[0].headers.response.set["x-ok"]',
      'spec.http[0].headers.response.remove[0]',
    ]);
    expect(fields(route({ mirrorPercentage: { value: 101 } }))).toEqual([
      'spec.http[0].mirrorPercentage.value',
    ]);
  });

  it('refuses internal annotations Istio reserves', () => {
    const obj = vs([{ route: [dest()] }]);
    (obj.metadata as Rec).annotations = { 'internal.istio.io/parents': 'x' };
    expect(fields(obj)).toEqual(['metadata.annotations["internal.istio.io/parents"]']);
  });
});

describe('validateIstioObject: DestinationRule and EnvoyFilter', () => {
  const dr = (subsets: unknown[]) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'reviews' },
    spec: { host: 'reviews', subsets },
  });

  it('subset names are DNS labels, unique, with valid labels', () => {
    expect(validateIstioObject(dr([{ name: 'v1', labels: { version: 'v1' } }]))).toEqual([]);
    expect(
      fields(
        dr([{ name: 'V1', labels: {} }, { name: 'v2', labels: { 'bad key': 'x' } }, { name: 'v2' }, null]),
      ),
    ).toEqual([
      'spec.subsets[0].name',
      'spec.subsets[1].labels["bad key"]',
      'spec.subsets[2].name',
      'spec.subsets[3]',
    ]);
  });

  const ef = (configPatches: unknown[]) => ({
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: 'limit' },
    spec: { workloadSelector: { labels: { app: 'reviews' } }, configPatches },
  });

  it('config patches need applyTo, an operation and a value; matches fit applyTo', () => {
    const ok = {
      applyTo: 'HTTP_FILTER',
      match: {
        context: 'SIDECAR_INBOUND',
        listener: {
          filterChain: {
            filter: {
              name: 'envoy.filters.network.http_connection_manager',
              subFilter: { name: 'envoy.filters.http.router' },
            },
          },
        },
      },
      patch: { operation: 'INSERT_BEFORE', value: { name: 'envoy.filters.http.local_ratelimit' } },
    };
    expect(validateIstioObject(ef([ok]))).toEqual([]);
    expect(
      fields(
        ef([
          { patch: { operation: 'MERGE', value: {} } },
          { applyTo: 'CLUSTER' },
          { applyTo: 'CLUSTER', patch: {} },
          { applyTo: 'CLUSTER', patch: { operation: 'MERGE' } },
          { applyTo: 'HTTP_ROUTE', match: { listener: {} }, patch: { operation: 'REMOVE' } },
          { applyTo: 'CLUSTER', match: { proxy: { proxyVersion: '1\\.(' } }, patch: { operation: 'REMOVE' } },
          { ...ok, applyTo: 'NETWORK_FILTER' },
        ]),
      ),
    ).toEqual([
      'spec.configPatches[0].applyTo',
      'spec.configPatches[1].patch',
      'spec.configPatches[2].patch.operation',
      'spec.configPatches[3].patch.value',
      'spec.configPatches[4].match',
      'spec.configPatches[5].match.proxy.proxyVersion',
      'spec.configPatches[6].match.listener.filterChain.filter.subFilter',
    ]);
    const wild = ef([]);
    (wild.spec.workloadSelector.labels as Rec)['app'] = 'rev*';
    expect(fields(wild)).toEqual(['spec.workloadSelector.labels.app']);
  });

  it('ignores other kinds and non-objects', () => {
    expect(validateIstioObject({ kind: 'Gateway', spec: { servers: 'x' } })).toEqual([]);
    expect(validateIstioObject(null)).toEqual([]);
  });
});
