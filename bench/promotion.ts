/**
 * `npm run bench -- promotion`: how many bytes each request leaves to the old generation. A request
 * is answered in milliseconds, so its objects should die young; those V8 promotes fill the old
 * generation, whose marking (on the second core, every few seconds under load) is when the scale
 * bench's slow answers queue (DEVELOPERS.md, "Reading a slow slice of the load"). Each server runs
 * in a process of its own under `--trace-gc-nvp`; the figure is the `promoted=` bytes of the
 * young-generation collections in its measured window, over the requests answered in it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { printFigures } from './stats';
import type { Figure } from './stats';

async function promotedPerRequest(kind: string): Promise<{ kb: number; requests: number }> {
  const child = spawn(
    process.execPath,
    ['--trace-gc-nvp', '--import', 'tsx', path.join(import.meta.dirname, 'promotion-server.ts'), kind],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const window = /^WINDOW (\d+) (\d+) (\d+)$/m.exec(err);
  if (status !== 0 || !window) throw new Error(`the ${kind} server failed: ${err.slice(-500)}`);
  const [from, to, requests] = window.slice(1).map(Number) as [number, number, number];
  let promoted = 0;
  for (const m of out.matchAll(/^\[\d+:\w+\]\s+(\d+) ms: .*\bgc=s\b.*\bpromoted=(\d+)/gm)) {
    const at = Number(m[1]);
    if (at >= from && at < to) promoted += Number(m[2]);
  }
  return { kb: promoted / requests / 1000, requests };
}

export async function benchPromotion(): Promise<void> {
  const figures: Figure[] = [];
  for (const [kind, what] of [
    ['node', "Node's HTTP server"],
    ['express', 'Express with a router'],
    ['express-born', 'the same, requests born with its prototypes (appServer)'],
    ['console', 'the console as it serves itself (appServer)'],
  ] as const) {
    const { kb, requests } = await promotedPerRequest(kind);
    figures.push({ name: `${what}: promoted per request (${requests} requests)`, value: kb, unit: 'KB' });
  }
  printFigures(
    'Promotion: bytes a request leaves to the old generation (100 kept-alive users, 15 s)',
    figures,
  );
}
