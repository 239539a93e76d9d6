import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../clients/prometheus';
import { ApiError } from '../../lib/errors';
import { silentLogger } from '../../lib/logger';
import { fakePrometheus, sendJson } from './fake-prometheus';
import type { FakeHandler, FakePrometheus } from './fake-prometheus';
import { PrometheusTelemetry } from './prometheus-source';
import {
  CALL_REQUEST_LABELS,
  coverageQuery,
  limitQuery,
  linkQuery,
  queries,
  shadowLimitQuery,
} from './promql';
import type { Measure } from './promql';
import { resolveWindow, seriesTimestamps } from './window';

const fakes: FakePrometheus[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
});

async function source(handler: FakeHandler, timeoutMs = 2000) {
  const fake = await fakePrometheus(handler);
  fakes.push(fake);
  return new PrometheusTelemetry(new PrometheusClient({ url: fake.url, timeoutMs }), 15, silentLogger());
}

const q = resolveWindow('5m', 15);
const AT = Date.UTC(2024, 0, 1, 12, 0, 0);

describe('PrometheusTelemetry', () => {
  it('turns the per-measure vectors into figures per application', async () => {
    // What Prometheus holds, per application and measure (a NaN quantile: no requests in a bucket range).
    const data: Record<string, Partial<Record<Measure, string>>> = {
      'bookinfo/reviews': {
        requests: '2',
        errors: '0.5',
        durationSum: '80',
        p50: '25',
        p95: '90',
        p99: 'NaN',
        inBytes: '1000',
        outBytes: '4000',
      },
      // A TCP service: connections and bytes (L4), no requests.
      'data/mysql': { tcpSentBytes: '9000', tcpReceivedBytes: '300', tcpOpened: '2', tcpClosed: '1.5' },
      'shop/cart': {
        requests: '4',
        durationSum: '20',
        p50: '3',
        p95: '8',
        p99: '9',
        inBytes: '10',
        outBytes: '20',
      },
    };
    const byQuery = new Map<string, Measure>();
    for (const m of [
      'requests',
      'errors',
      'durationSum',
      'p50',
      'p95',
      'p99',
      'inBytes',
      'outBytes',
      'tcpSentBytes',
      'tcpReceivedBytes',
      'tcpOpened',
      'tcpClosed',
    ] as Measure[]) {
      byQuery.set(queries.applications(m, q.rangeSeconds), m);
    }
    const src = await source((path, params, res) => {
      const measure = byQuery.get(params.get('query') ?? '');
      expect(path).toBe('/api/v1/query');
      expect(Number(params.get('time')) * 1000).toBe(AT);
      // 20 samples at 15 s: the whole 5-minute window.
      if (params.get('query') === coverageQuery(q.rangeSeconds))
        return sendJson(res, 200, {
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [AT / 1000, '20'] }] },
        });
      if (!measure)
        return sendJson(res, 400, { status: 'error', errorType: 'bad_data', error: 'unexpected query' });
      const result = Object.entries(data).flatMap(([key, values]) => {
        const [ns, app] = key.split('/');
        const v = values[measure];
        return v === undefined
          ? []
          : [{ metric: { destination_service_namespace: ns, destination_app: app }, value: [AT / 1000, v] }];
      });
      sendJson(res, 200, { status: 'success', data: { resultType: 'vector', result } });
    });
    const apps = await src.applications(q, AT);
    const reviews = apps.find((a) => a.app === 'reviews');
    const cart = apps.find((a) => a.app === 'cart');
    expect(reviews?.namespace).toBe('bookinfo');
    expect(reviews?.figures).toEqual({
      requests: 2,
      errors: 0.5,
      avgMs: 80 / 2,
      p50: 25,
      p95: 90,
      p99: null,
      inBytes: 1000,
      outBytes: 4000,
      tcp: { sentBytes: 0, receivedBytes: 0, opened: 0, closed: 0 },
    });
    expect(apps.find((a) => a.app === 'mysql')?.figures).toMatchObject({
      requests: 0,
      avgMs: null,
      tcp: { sentBytes: 9000, receivedBytes: 300, opened: 2, closed: 1.5 },
    });
    // No error series at all: no errors, not "unknown".
    expect(cart?.figures.errors).toBe(0);
    expect(cart?.figures.avgMs).toBe(20 / 4);
  });

  it("sums a caller's series per workload: requests over mutual TLS apart, its principal without spiffe://, unknown as none", async () => {
    const productpage = {
      source_workload: 'productpage-v1',
      source_workload_namespace: 'bookinfo',
      source_app: 'productpage',
      source_version: 'v1',
    };
    const gateway = {
      source_workload: 'istio-ingressgateway',
      source_workload_namespace: 'istio-system',
      source_app: 'istio-ingressgateway',
      source_version: 'unknown',
    };
    const PRINCIPAL = 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage';
    const sample = (metric: Record<string, string>, value: string) => ({ metric, value: [AT / 1000, value] });
    const byQuery = new Map<string, ReturnType<typeof sample>[]>([
      [
        queries.consumers('details', 'requests', q.rangeSeconds),
        [
          // Mostly over mutual TLS; a few requests in plaintext (a PERMISSIVE port), and a local
          // reply the caller's sidecar answered (reporter="source": policy and principal unknown).
          sample(
            { ...productpage, source_principal: PRINCIPAL, connection_security_policy: 'mutual_tls' },
            '3',
          ),
          sample({ ...productpage, source_principal: 'unknown', connection_security_policy: 'none' }, '0.5'),
          sample(
            { ...productpage, source_principal: 'unknown', connection_security_policy: 'unknown' },
            '0.25',
          ),
          sample({ ...gateway, source_principal: 'unknown', connection_security_policy: 'none' }, '2'),
        ],
      ],
      [
        queries.consumers('details', 'errors', q.rangeSeconds),
        [
          sample(
            { ...productpage, source_principal: PRINCIPAL, connection_security_policy: 'mutual_tls' },
            '0.1',
          ),
        ],
      ],
    ]);
    const src = await source((_path, params, res) => {
      const query = params.get('query') ?? '';
      const result =
        query === coverageQuery(q.rangeSeconds, { serviceId: 'details' })
          ? [sample({}, '20')]
          : (byQuery.get(query) ?? []);
      sendJson(res, 200, { status: 'success', data: { resultType: 'vector', result } });
    });
    const consumers = await src.consumers('details', q, AT);
    expect(consumers).toHaveLength(2);
    const pp = consumers.find((c) => c.workload === 'productpage-v1');
    expect(pp?.requests).toBeCloseTo(3.75, 9);
    expect(pp?.errors).toBeCloseTo(0.1, 9);
    expect(pp?.mtls).toBeCloseTo(3, 9);
    expect(pp?.principal).toBe('cluster.local/ns/bookinfo/sa/bookinfo-productpage');
    const gw = consumers.find((c) => c.workload === 'istio-ingressgateway');
    expect(gw).toMatchObject({ principal: null, mtls: 0, requests: 2 });
  });

  it('gives each caller → service link its requests, summed over how they arrived, and those over mutual TLS', async () => {
    const call = (workload: string, policy: string) => ({
      source_workload: workload,
      source_workload_namespace: 'bookinfo',
      source_app: workload,
      source_version: 'v1',
      destination_service: 'details',
      connection_security_policy: policy,
    });
    const sample = (metric: Record<string, string>, value: string) => ({ metric, value: [AT / 1000, value] });
    const src = await source((_path, params, res) => {
      const query = params.get('query') ?? '';
      const result =
        query === coverageQuery(q.rangeSeconds, { namespaces: null })
          ? [sample({}, '20')]
          : query === linkQuery('requests', CALL_REQUEST_LABELS, q.rangeSeconds)
            ? [
                sample(call('productpage', 'mutual_tls'), '4'),
                // A local reply (an injected abort): it arrived nowhere.
                sample(call('productpage', 'unknown'), '1'),
                sample(call('legacy', 'none'), '5'),
              ]
            : [];
      sendJson(res, 200, { status: 'success', data: { resultType: 'vector', result } });
    });
    const { calls } = await src.edges(q, AT);
    expect(calls).toHaveLength(2);
    const of = (workload: string) => calls.find((c) => c.source.workload === workload);
    expect(of('productpage')).toMatchObject({ requests: 5, mtls: 4 });
    expect(of('legacy')).toMatchObject({ requests: 5, mtls: 0 });
  });

  it('scales rate() over the whole window to a rate over the data held, and says how long that is', async () => {
    // Six hours asked, 92 samples at 15 s held (23 minutes): rate() divided the increase by 6 hours.
    const six = resolveWindow('6h', 15);
    const requests = queries.applications('requests', six.rangeSeconds);
    const src = await source((_path, params, res) => {
      const query = params.get('query') ?? '';
      const value =
        query === coverageQuery(six.rangeSeconds)
          ? '92'
          : query === requests
            ? String((15 * 1380) / 21600)
            : null;
      const result =
        value === null
          ? []
          : [
              {
                metric: { destination_service_namespace: 'shop', destination_app: 'cart' },
                value: [AT / 1000, value],
              },
            ];
      sendJson(res, 200, { status: 'success', data: { resultType: 'vector', result } });
    });
    expect(await src.coveredSeconds(six, AT)).toBe(1380);
    const [cart] = await src.applications(six, AT);
    expect(cart?.figures.requests).toBeCloseTo(15, 9);
  });

  it('puts range results at their timestamps and fills error rates where there are requests', async () => {
    const timestamps = seriesTimestamps(q, AT);
    const src = await source((path, params, res) => {
      expect(path).toBe('/api/v1/query_range');
      const query = params.get('query') ?? '';
      const byVersion = query.includes('by (destination_version)');
      const isRequests =
        query.startsWith('sum') && query.includes('istio_requests_total') && !query.includes('response_code');
      // Requests of v1 at the last two points only; nothing else.
      const result =
        isRequests && byVersion
          ? [
              {
                metric: { destination_version: 'v1' },
                values: timestamps.slice(-2).map((t) => [t / 1000, '3']),
              },
            ]
          : isRequests
            ? [{ metric: {}, values: timestamps.slice(-2).map((t) => [t / 1000, '3']) }]
            : [];
      sendJson(res, 200, { status: 'success', data: { resultType: 'matrix', result } });
    });
    const series = await src.serviceSeries('reviews.bookinfo.svc.cluster.local', q, AT);
    expect(series.timestamps).toEqual(timestamps);
    const v1 = series.byVersion.find((v) => v.version === 'v1')?.series;
    expect(v1?.requests.slice(-3)).toEqual([null, 3, 3]);
    expect(v1?.errors.slice(-3)).toEqual([null, 0, 0]);
    expect(v1?.p95.slice(-1)).toEqual([null]);
    expect(series.total.requests.slice(-2)).toEqual([3, 3]);
  });

  it.each([
    ['exports them', true, 1.5],
    ['does not export them (no proxyStatsMatcher)', false, null],
  ] as const)(
    "reads what shadow mode would have refused from Envoy's local rate limit stats when the mesh %s",
    async (_what, exported, expected) => {
      const id = 'sc-gateway.spring-demo.svc.cluster.local';
      const timestamps = seriesTimestamps(q, AT);
      const rate = { passed: '40', limited: '0', shadow: '1.5' };
      const valueOf = (query: string): string | null =>
        query === limitQuery(id, 'passed', q.rateSeconds)
          ? rate.passed
          : query === limitQuery(id, 'limited', q.rateSeconds)
            ? null
            : query === shadowLimitQuery(id, q.rateSeconds)
              ? exported
                ? rate.shadow
                : null
              : 'unexpected';
      const src = await source((path, params, res) => {
        const value = valueOf(params.get('query') ?? '');
        expect(value, params.get('query') ?? '').not.toBe('unexpected');
        if (path === '/api/v1/query') {
          const result = value === null ? [] : [{ metric: {}, value: [AT / 1000, value] }];
          sendJson(res, 200, { status: 'success', data: { resultType: 'vector', result } });
        } else {
          const result =
            value === null
              ? []
              : [{ metric: {}, values: timestamps.slice(-2).map((t) => [t / 1000, value]) }];
          sendJson(res, 200, { status: 'success', data: { resultType: 'matrix', result } });
        }
      });
      const limits = await src.limits(id, q, AT);
      expect(limits).toMatchObject({ passed: 40, limited: 0, shadowLimited: expected });
      expect(limits.series.shadowLimited.slice(-3)).toEqual(exported ? [null, 1.5, 1.5] : [null, null, null]);
    },
  );

  it.each([
    ['down', 503, 'TelemetryUnavailable', /unreachable/],
    [
      'rejecting the query',
      502,
      'TelemetryQueryFailed',
      /rejected a query; the details are in the server log/,
    ],
  ] as const)(
    'answers a clear %s error, without Prometheus internals',
    async (what, status, code, message) => {
      let src: PrometheusTelemetry;
      if (what === 'down') {
        src = await source(() => undefined);
        await fakes.pop()?.close();
      } else {
        src = await source((_p, _q, res) =>
          sendJson(res, 422, {
            status: 'error',
            errorType: 'execution',
            error: 'query processing would load too many samples',
          }),
        );
      }
      const err = await src.applications(q, AT).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ status, code });
      expect((err as ApiError).message).toMatch(message);
      expect((err as ApiError).message).not.toContain('too many samples');
    },
  );
});
