/**
 * The server side of `npm run bench -- promotion`, in a process of its own started with
 * `--trace-gc-nvp` (bench/promotion.ts reads V8's lines): a server of the kind named in argv[2]
 * (`node`: Node's HTTP server answering `{}`; `express`: Express with one router; `express-born`:
 * the same, served by `appServer`, its requests born with the app's prototypes; `console`: the
 * console's own app on an embedded control plane, served by `appServer` as the console serves it)
 * and, in this process, browser-like users on kept-alive connections with think time between
 * requests. Prints, on its own line, when the measured window began and ended on V8's clock (ms
 * since the process started) and how many requests were answered in it.
 */
import http from 'node:http';
import type { RequestListener } from 'node:http';
import express from 'express';
import { ADMIN_HEADER } from '../bff/src/testing/auth';
import { appServer } from '../bff/src/server';
import { testConsole } from '../bff/src/testing/console';

const USERS = 100;
const WARMUP_MS = 5000;
const MEASURE_MS = 15_000;
const THINK_MS = [200, 400] as const;

const kind = process.argv[2] ?? 'node';
let app: RequestListener | undefined;
let server: http.Server | undefined;
let close = async () => {};
let paths = ['/x/1'];
if (kind === 'node') app = (_req, res) => res.end('{}');
else if (kind === 'express' || kind === 'express-born') {
  const e = express();
  const router = express.Router();
  router.get('/x/:id', (req, res) => res.json({ id: req.params.id }));
  e.use(router);
  if (kind === 'express') app = e as unknown as RequestListener;
  else {
    // The same app, its requests born with its prototypes (appServer): Express's per-request
    // Object.setPrototypeOf changes nothing, which is all that differs from `express`.
    const served = appServer(() => undefined);
    served.serve(e);
    server = served.server;
  }
} else if (kind === 'console') {
  // Served as the console serves itself (bff/src/server.ts), requests made with the app's prototypes.
  const c = await testConsole({});
  const served = appServer(() => undefined);
  served.serve(c.app);
  server = served.server;
  close = () => c.close();
  // A probe, a catalog page and an unknown path: the middleware every request goes through.
  paths = ['/livez', '/api/v1/services?pageSize=5', '/api/v1/nope'];
} else throw new Error(`unknown server ${kind}: node, express, express-born or console`);

server ??= http.createServer(app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const { port } = server.address() as { port: number };
const get = (agent: http.Agent, path: string) =>
  new Promise<void>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent, headers: ADMIN_HEADER }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });

const begin = performance.now();
const from = begin + WARMUP_MS;
const to = from + MEASURE_MS;
let measured = 0;
const user = async (u: number) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; performance.now() < to; i++) {
    const t = performance.now();
    await get(agent, paths[(u + i) % paths.length] as string);
    if (t >= from && t < to) measured++;
    await new Promise((r) => setTimeout(r, THINK_MS[0] + Math.random() * (THINK_MS[1] - THINK_MS[0])));
  }
  agent.destroy();
};
await Promise.all(Array.from({ length: USERS }, (_, u) => user(u)));
console.error(`WINDOW ${from.toFixed(0)} ${to.toFixed(0)} ${measured}`);
server.close();
await close();
process.exit(0);
