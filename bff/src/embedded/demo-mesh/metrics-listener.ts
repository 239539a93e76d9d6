import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoMetricsListener {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the demo mesh's Istio metrics (Prometheus' text format) on 127.0.0.1 only, at `/metrics`,
 * as a sidecar serves its stats on its own port. They name every workload of every namespace, so
 * they are not on the console's listener, which may face a network and answers only signed-in users.
 */
export async function serveDemoMetrics(
  metrics: () => Promise<{ contentType: string; body: string }>,
  port: number,
): Promise<DemoMetricsListener> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
