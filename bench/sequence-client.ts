/**
 * The one-at-a-time timings of `npm run bench -- scale` (catalog pages, routing previews), in a
 * process of their own, as the load's users are (bench/load-client.ts). In the bench's process,
 * whose heap holds the seeded control plane (over a gigabyte after seeding), a young-generation
 * collection took 20–70 ms (`--trace-gc`), and those pauses were most of a preview's p99: the figure
 * timed the bench as much as the console. (The control plane still answers from there, as a real
 * cluster's API server answers from its own machine.)
 *
 * Reads `{ warmup, requests: { method, path, body? }[] }` as JSON on standard input and writes one
 * JSON line, `{ latencies, error }`: the milliseconds of each request after the warm-up ones, and
 * the first answer that was not 200 (its figures then time a refusal).
 */
import { readFileSync } from 'node:fs';
import { required } from './client-env';

interface Sequence {
  warmup: number;
  requests: { method: 'GET' | 'POST'; path: string; body?: string }[];
}

const BASE = required('LOAD_BASE');
const TOKEN = required('LOAD_TOKEN');

const { warmup, requests } = JSON.parse(readFileSync(0, 'utf8')) as Sequence;
const latencies: number[] = [];
let error = '';
for (const [i, r] of requests.entries()) {
  const t = performance.now();
  const res = await fetch(`${BASE}${r.path}`, {
    method: r.method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(r.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(r.body === undefined ? {} : { body: r.body }),
  });
  const text = await res.text();
  const ms = performance.now() - t;
  if (res.status !== 200) error ||= `${r.method} ${r.path}: ${res.status} ${text.slice(0, 200)}`;
  if (i >= warmup) latencies.push(ms);
}
process.stdout.write(`${JSON.stringify({ latencies, error })}\n`);
