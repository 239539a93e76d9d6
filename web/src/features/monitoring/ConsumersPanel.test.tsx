// @vitest-environment jsdom
import '../../test/setup';
import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { echoDetail } from '../../test/fixtures';
import { renderApp } from '../../test/render';
import { server } from '../../test/server';
import type { ConsumerStats, ServiceMetrics } from './contract';
import { ECHO_ID, MockEventSource, serviceMetrics } from './testing';

const PRINCIPAL = 'cluster.local/ns/dubbo-demo/sa/echo-consumer';
const caller = (workload: string, namespace: string, extra: Partial<ConsumerStats>): ConsumerStats => ({
  workload,
  application: workload.replace(/-v1$/, ''),
  namespace,
  version: 'v1',
  requestsPerMinute: 60,
  errorRate: 0,
  tcp: null,
  ...extra,
});

function serve(metrics: ServiceMetrics) {
  server.use(
    http.get('*/api/v1/services/:id', () => HttpResponse.json(echoDetail)),
    http.get('*/api/v1/services/:id/metrics', () => HttpResponse.json(metrics)),
  );
}

beforeEach(() => {
  MockEventSource.reset();
  vi.stubGlobal('EventSource', MockEventSource);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the consumers panel: each caller's identity and whether it called over mutual TLS", () => {
  it('shows a lock named mTLS and the principal for an mTLS caller, an open lock for a plaintext one', async () => {
    serve(
      serviceMetrics({
        consumers: [
          caller('echo-consumer-v1', 'dubbo-demo', { principal: PRINCIPAL, mtlsShare: 1 }),
          caller('legacy-v1', 'legacy', { principal: null, mtlsShare: 0 }),
          caller('half-v1', 'dubbo-demo', {
            principal: 'cluster.local/ns/dubbo-demo/sa/half',
            mtlsShare: 0.5,
          }),
        ],
      }),
    );
    renderApp(`/services/${encodeURIComponent(ECHO_ID)}?tab=consumers`);
    const table = await screen.findByRole('table', { name: 'Consumers' });
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(4));
    const row = (workload: string) => within(table).getByText(workload).closest('tr') as HTMLElement;

    const secured = row('echo-consumer-v1');
    expect(within(secured).getByRole('img', { name: 'mTLS' })).toBeInTheDocument();
    expect(within(secured).getByText(PRINCIPAL)).toBeInTheDocument();

    const plain = row('legacy-v1');
    expect(within(plain).getByRole('img', { name: 'Plaintext' })).toBeInTheDocument();
    expect(within(plain).queryByRole('img', { name: 'mTLS' })).toBeNull();
    expect(within(plain).queryByText(/^cluster\.local\//)).toBeNull();

    expect(within(row('half-v1')).getByRole('img', { name: 'mTLS for 50% of requests' })).toBeInTheDocument();
  });
});
