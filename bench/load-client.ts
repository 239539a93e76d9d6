/**
 * The load of `npm run bench -- scale`, in a process of its own: browser users over the console's
 * read APIs. Run by bench/scale.ts, which passes the console's address and the mesh's shape in the
 * environment and reads one JSON line of results from standard output. Kept out of the bench's
 * process, whose one event loop also serves the control plane and the stand-in Prometheus: there,
 * a response waited for that loop, and the figure timed the bench as much as the console.
 */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { catalogQuery as catalogQueryIn, serviceAt as serviceAtIn, serviceHost } from './scale-shape';
import type { SlowAnswer } from './scale-shape';
import { required } from './client-env';

const BASE = required('LOAD_BASE');
const TOKEN = required('LOAD_TOKEN');
const SERVICES = Number(required('LOAD_SERVICES'));
const NAMESPACES = Number(required('LOAD_NAMESPACES'));
const VS_EVERY = Number(required('LOAD_VS_EVERY'));
const CLIENTS = Number(required('LOAD_CLIENTS'));
const THINK_MS = Number(required('LOAD_THINK_MS'));
const SECONDS = Number(required('LOAD_SECONDS'));
/** An answer slower than this is kept in `slow` (the bench's goal for the load's p99). */
const SLOW_MS = Number(required('LOAD_SLOW_MS'));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const serviceAt = (i: number) => serviceAtIn(i, NAMESPACES);
const id = (s: { name: string; ns: string }) => encodeURIComponent(serviceHost(s.name, s.ns));
const catalogQuery = (i: number) => catalogQueryIn(i, NAMESPACES);
const reads = (i: number, u: number) => {
  const s = serviceAt((u * 7919 + i * 104729) % SERVICES);
  const ruled = serviceAt(((u * 31 + i) * VS_EVERY) % SERVICES);
  return [
    `/api/v1/services?${catalogQuery(i + u)}`,
    `/api/v1/services/${id(s)}`,
    `/api/v1/services/${id(ruled)}/routes`,
    `/api/v1/services/${id(ruled)}/ratelimits`,
    `/api/v1/topology?graphType=app&window=5m&namespace=bench-${(u + i) % NAMESPACES}`,
    // The monitoring page: its overview and the first page of its table, as the SPA asks for them.
    i % 2 ? `/api/v1/monitoring/overview?window=5m` : `/api/v1/monitoring/applications?window=5m`,
  ][(i + u) % 6] as string;
};

const latencies: number[] = [];
const byKind: Record<string, number[]> = {};
const errors: Record<string, number> = {};
const slow: SlowAnswer[] = [];
/** Latencies by the 5-second slice of the run the request started in (a stall shows where it is). */
const bySlice: number[][] = [];
const begin = performance.now();
// The bench's own per-slice figures (the console's loop, the machine's CPU) start with these.
process.stderr.write(`started ${process.hrtime.bigint()}\n`);
const end = begin + SECONDS * 1000;
/**
 * This process's own event-loop delay by slice (p99, ms): a latency is the console's only while the
 * client is not itself late to read the answer.
 */
const loopDelayBySlice: { p99: number; max: number }[] = [];
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const sliceTimer = setInterval(() => {
  loopDelayBySlice.push({ p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 });
  loopDelay.reset();
}, 5000);
/**
 * GET over the user's own keep-alive connection: its status, when its headers came and its size (the
 * body is counted, not kept, and its start kept for an error's message).
 */
function get(
  agent: http.Agent,
  p: string,
  t: number,
): Promise<
  { status: number; start: string } & Pick<SlowAnswer, 'headersMs' | 'bytes' | 'consoleMs' | 'connectMs'>
> {
  return new Promise((resolve, reject) => {
    let connectMs: number | null = null;
    const req = http.get(
      `${BASE}${p}`,
      {
        agent,
        // Uncompressed: on this one machine, inflating the megabytes of the topology took the client's
        // own CPU from the console it measures (a browser inflates on its own machine). The console
        // keeps both encodings of a shared answer (api/shared-answer.ts).
        headers: { authorization: `Bearer ${TOKEN}`, 'accept-encoding': 'identity' },
      },
      (res) => {
        const headersMs = performance.now() - t;
        const dur = /app;dur=([\d.]+)/.exec(String(res.headers['server-timing']))?.[1];
        const consoleMs = dur === undefined ? null : Number(dur);
        let bytes = 0;
        let start = '';
        res.on('data', (chunk: Buffer) => {
          if (start.length < 200) start += chunk.toString().slice(0, 200 - start.length);
          bytes += chunk.length;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headersMs, bytes, start, consoleMs, connectMs }),
        );
        res.on('error', reject);
      },
    );
    req.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => (connectMs = performance.now() - t));
    });
    req.on('error', reject);
  });
}

const user = async (u: number) => {
  // A user is a browser: its own connection to the console, kept open between its requests (one
  // pool shared by all 200 would open and close connections as their requests bunch up).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  await sleep(Math.random() * THINK_MS); // users arrive over the first second
  for (let i = 0; performance.now() < end; i++) {
    const p = reads(i, u);
    const t = performance.now();
    try {
      const { status, headersMs, bytes, start, consoleMs, connectMs } = await get(agent, p, t);
      if (status !== 200) throw new Error(`GET ${p}: ${status} ${start}`);
      const ms = performance.now() - t;
      latencies.push(ms);
      (bySlice[Math.floor((t - begin) / 5000)] ??= []).push(ms);
      const kind = (p.split('?')[0] as string).replace(/services\/[^/]+/, 'services/:id');
      (byKind[kind] ??= []).push(ms);
      // Where a slow answer's time went: before its headers came (the console had not answered yet)
      // or after (its body on the way); in the console or before it read the request.
      if (ms > SLOW_MS)
        slow.push({ at: (t - begin) / 1000, kind, ms, headersMs, bytes, consoleMs, connectMs });
    } catch (err) {
      const key = (err as Error).message.replace(/\?\S*/, '').slice(0, 160);
      errors[key] = (errors[key] ?? 0) + 1;
    }
    await sleep(THINK_MS * (0.5 + Math.random()));
  }
  agent.destroy();
};
const started = performance.now();
await Promise.all(Array.from({ length: CLIENTS }, (_, u) => user(u)));
clearInterval(sliceTimer);
loopDelay.disable();
process.stdout.write(
  `${JSON.stringify({ seconds: (performance.now() - started) / 1000, latencies, byKind, bySlice, loopDelayBySlice, errors, slow })}\n`,
);
