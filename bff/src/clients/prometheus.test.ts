import { afterEach, describe, expect, it } from 'vitest';
import { deadUrl, fakePrometheus, sendJson } from '../features/monitoring/fake-prometheus';
import type { FakeHandler, FakePrometheus } from '../features/monitoring/fake-prometheus';
import { PrometheusClient, PrometheusError } from './prometheus';

const fakes: FakePrometheus[] = [];

async function fake(handler: FakeHandler): Promise<string> {
  const f = await fakePrometheus(handler);
  fakes.push(f);
  return f.url;
}

afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
});

const json = sendJson;

async function failure(p: Promise<unknown>): Promise<PrometheusError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PrometheusError) return err;
    throw err;
  }
  throw new Error('expected a PrometheusError');
}

describe('PrometheusClient', () => {
  it('sends instant queries with their evaluation time and reads vectors, NaN included', async () => {
    let seen: URLSearchParams | null = null;
    const url = await fake((path, params, res) => {
      seen = params;
      expect(path).toBe('/api/v1/query');
      json(res, 200, {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [
            { metric: { destination_app: 'reviews' }, value: [1700000000, '1.5'] },
            { metric: { destination_app: 'idle' }, value: [1700000000, 'NaN'] },
          ],
        },
      });
    });
    const samples = await new PrometheusClient({ url }).query('up', 1_700_000_000_250);
    expect(samples).toEqual([
      { metric: { destination_app: 'reviews' }, value: 1.5 },
      { metric: { destination_app: 'idle' }, value: NaN },
    ]);
    expect(seen).not.toBeNull();
    expect((seen as unknown as URLSearchParams).get('query')).toBe('up');
    expect((seen as unknown as URLSearchParams).get('time')).toBe('1700000000.250');
  });

  it('has at most maxConcurrent calls in flight; the others wait their turn and all are answered', async () => {
    let inFlight = 0;
    let most = 0;
    const fetchFn: typeof fetch = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return new Response(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    };
    const client = new PrometheusClient({ url: 'http://prometheus.test', fetch: fetchFn, maxConcurrent: 3 });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => client.query(`q${i}`)));
    expect(answers).toHaveLength(10);
    expect(most).toBe(3);
  });

  it('reads range queries as matrices', async () => {
    const url = await fake((path, params, res) => {
      expect(path).toBe('/api/v1/query_range');
      expect([params.get('start'), params.get('end'), params.get('step')]).toEqual([
        '100.000',
        '110.000',
        '5',
      ]);
      json(res, 200, {
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: { v: '1' },
              values: [
                [100, '1'],
                [105, '2'],
              ],
            },
          ],
        },
      });
    });
    const series = await new PrometheusClient({ url }).queryRange('x', 100_000, 110_000, 5);
    expect(series).toEqual([
      {
        metric: { v: '1' },
        values: [
          [100, 1],
          [105, 2],
        ],
      },
    ]);
  });

  it('reports a rejected query with the reason kept for the log', async () => {
    const url = await fake((_p, _q, res) =>
      json(res, 400, { status: 'error', errorType: 'bad_data', error: 'parse error at char 3' }),
    );
    const err = await failure(new PrometheusClient({ url }).query('sum('));
    expect(err.failure).toBe('query');
    expect(err.message).toBe('Prometheus rejected a query');
    expect(err.detail).toContain('parse error');
  });

  it('reports an answer that is not the API (a proxy error page)', async () => {
    const url = await fake((_p, _q, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad gateway</html>');
    });
    const err = await failure(new PrometheusClient({ url }).query('up'));
    expect(err.failure).toBe('bad-status');
    expect(err.message).toContain('502');
  });

  it('reports a Prometheus that is down, at once', async () => {
    const url = await deadUrl();
    const t0 = performance.now();
    const err = await failure(new PrometheusClient({ url, timeoutMs: 5000 }).query('up'));
    expect(err.failure).toBe('unreachable');
    expect(err.message).toContain(url);
    expect(performance.now() - t0).toBeLessThan(4000);
  });

  it('gives up on a Prometheus that does not answer, after its timeout', async () => {
    const url = await fake(() => undefined); // never answers
    const t0 = performance.now();
    const err = await failure(new PrometheusClient({ url, timeoutMs: 300 }).query('up'));
    const elapsed = performance.now() - t0;
    expect(err.failure).toBe('timeout');
    expect(err.message).toMatch(/did not answer within 0\.3 s/);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5000);
  });
});
