/**
 * Prometheus's HTTP API (`/api/v1/query`, `/api/v1/query_range`): the only code that talks to
 * Prometheus. Every call has a deadline, so a Prometheus that is down or slow is a clear error within
 * `timeoutMs`, never a request that hangs.
 */
import pLimit from 'p-limit';
import type { LimitFunction } from 'p-limit';

export interface PromSample {
  metric: Record<string, string>;
  /** NaN when Prometheus answers NaN (a ratio or quantile of nothing). */
  value: number;
}

export interface PromSeries {
  metric: Record<string, string>;
  /** [seconds since the epoch, value] */
  values: [number, number][];
}

export type PrometheusFailure = 'unreachable' | 'timeout' | 'bad-status' | 'query' | 'bad-response';

export class PrometheusError extends Error {
  constructor(
    readonly failure: PrometheusFailure,
    message: string,
    /** What Prometheus said, for the log only (it may name internals). */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}

export interface PrometheusClientOptions {
  url: string;
  /** Deadline of one call, ms (default 5000). */
  timeoutMs?: number;
  /** Calls in flight at most (default 4); the others wait their turn (their deadline runs meanwhile). */
  maxConcurrent?: number;
  fetch?: typeof fetch;
}

interface ApiEnvelope {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

const parseValue = (v: unknown): number => (typeof v === 'string' ? Number(v) : NaN);

export class PrometheusClient {
  readonly url: string;
  readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  /**
   * A round of queries (the overview's or the topology's: a dozen, each of a series per service)
   * is let through a few at a time: each answer is parsed as it comes, with the console's requests
   * served between, instead of all of them arriving at once and the event loop parsing them back to
   * back while requests wait. It also spares Prometheus a burst.
   */
  private readonly limit: LimitFunction;

  constructor(options: PrometheusClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.fetchFn = options.fetch ?? fetch;
    this.limit = pLimit(options.maxConcurrent ?? 4);
  }

  /** An instant query at `timeMs` (default: Prometheus's now). */
  async query(promql: string, timeMs?: number, signal?: AbortSignal): Promise<PromSample[]> {
    const params: Record<string, string> = { query: promql };
    if (timeMs !== undefined) params.time = (timeMs / 1000).toFixed(3);
    const data = await this.call('/api/v1/query', params, signal);
    if (data.resultType !== 'vector' || !Array.isArray(data.result)) {
      throw new PrometheusError(
        'bad-response',
        'Prometheus answered an unexpected result type',
        data.resultType,
      );
    }
    return (data.result as { metric?: Record<string, string>; value?: [number, string] }[]).map((r) => ({
      metric: r.metric ?? {},
      value: parseValue(r.value?.[1]),
    }));
  }

  /** A range query from `startMs` to `endMs` (inclusive) every `stepSeconds`. */
  async queryRange(
    promql: string,
    startMs: number,
    endMs: number,
    stepSeconds: number,
    signal?: AbortSignal,
  ): Promise<PromSeries[]> {
    const data = await this.call(
      '/api/v1/query_range',
      {
        query: promql,
        start: (startMs / 1000).toFixed(3),
        end: (endMs / 1000).toFixed(3),
        step: String(stepSeconds),
      },
      signal,
    );
    if (data.resultType !== 'matrix' || !Array.isArray(data.result)) {
      throw new PrometheusError(
        'bad-response',
        'Prometheus answered an unexpected result type',
        data.resultType,
      );
    }
    return (data.result as { metric?: Record<string, string>; values?: [number, string][] }[]).map((r) => ({
      metric: r.metric ?? {},
      values: (r.values ?? []).map(([t, v]) => [Number(t), parseValue(v)] as [number, number]),
    }));
  }

  /**
   * One API call. `signal` lets a caller share one deadline among the queries of one question; the
   * client's own timeout applies in any case.
   */
  private async call(
    path: string,
    params: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<{ resultType?: string; result?: unknown }> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    return this.limit(() =>
      this.callNow(path, params, signal ? AbortSignal.any([signal, timeout]) : timeout),
    );
  }

  private async callNow(
    path: string,
    params: Record<string, string>,
    combined: AbortSignal,
  ): Promise<{ resultType?: string; result?: unknown }> {
    let res: Response;
    let text: string;
    try {
      // POST with a form body: long queries do not run into URL length limits (the API accepts both).
      res = await this.fetchFn(`${this.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(params).toString(),
        signal: combined,
      });
      text = await res.text();
    } catch (err) {
      if (combined.aborted) {
        throw new PrometheusError(
          'timeout',
          `Prometheus at ${this.url} did not answer within ${(this.timeoutMs / 1000).toFixed(1)} s`,
        );
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new PrometheusError(
        'unreachable',
        `Prometheus at ${this.url} is unreachable${cause?.code ? ` (${cause.code})` : ''}`,
        cause?.message ?? (err instanceof Error ? err.message : String(err)),
      );
    }
    let body: ApiEnvelope | null = null;
    try {
      body = JSON.parse(text) as ApiEnvelope;
    } catch {
      body = null;
    }
    if (body?.status === 'error') {
      // 400 bad_data / 422 execution: the query is wrong or too expensive; the details go to the log.
      throw new PrometheusError('query', 'Prometheus rejected a query', `${body.errorType}: ${body.error}`);
    }
    if (!res.ok || !body || body.status !== 'success' || !body.data) {
      throw new PrometheusError(
        res.ok ? 'bad-response' : 'bad-status',
        `Prometheus at ${this.url} answered ${res.status}${res.ok ? ' without a result' : ''}`,
        text.slice(0, 500),
      );
    }
    return body.data;
  }
}
