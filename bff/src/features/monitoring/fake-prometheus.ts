import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeHandler = (path: string, params: URLSearchParams, res: http.ServerResponse) => void;

export interface FakePrometheus {
  url: string;
  close(): Promise<void>;
}

/** A stand-in for Prometheus's HTTP API on loopback (tests): the handler answers each call. */
export async function fakePrometheus(handler: FakeHandler): Promise<FakePrometheus> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req.url?.split('?')[0] ?? '', new URLSearchParams(body), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A URL nothing listens on: a port that was just free. */
export async function deadUrl(): Promise<string> {
  const fake = await fakePrometheus(() => undefined);
  await fake.close();
  return fake.url;
}
