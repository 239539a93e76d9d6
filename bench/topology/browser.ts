import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { build } from 'vite';
import type { TopologyGraph } from '../../bff/src/contract/topology';
import { buildGraph } from '../../bff/src/features/topology/graph';
import { percentile, printFigures } from '../stats';
import type { Figure } from '../stats';
import type { RunResult } from './page/harness';
import { syntheticMesh } from './synthetic';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The flags of playwright.config.ts: Debian's Chromium, no sandbox, no GPU (see DEVELOPERS.md). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

async function buildHarness(): Promise<string> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-bench-topology-'));
  await build({
    configFile: false,
    root: path.join(here, 'page'),
    base: './',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 10_000 },
  });
  return outDir;
}

function serve(dir: string): Promise<http.Server> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.css': 'text/css',
  };
  const server = http.createServer((req, res) => {
    const file = path.join(dir, path.normalize(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')));
    const target = file.endsWith(path.sep) ? path.join(file, 'index.html') : file;
    if (!target.startsWith(dir) || !fs.existsSync(target)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(target)] ?? 'application/octet-stream' });
    fs.createReadStream(target).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function graphOf(services: number): TopologyGraph {
  const mesh = syntheticMesh(services);
  const built = buildGraph({ links: mesh.links, catalog: mesh.catalog.view(), graphType: 'service' });
  return {
    graphType: 'service',
    window: '5m',
    namespace: null,
    updatedAt: new Date().toISOString(),
    source: 'prometheus',
    ...built,
  };
}

const p = (xs: number[], q: number) => percentile(xs, q);

/**
 * Synthetic meshes of 1,000, 5,000 and 20,000 services (about three callers each) drawn in headless
 * Chromium by the console's renderer (G6) and, as the reference, by cytoscape.js from the same
 * positions. Goals: 5,000 services drawn in under 3 s with zoom frames under 50 ms, ahead of
 * cytoscape.js; 20,000 usable through grouping (grouped view and an expanded namespace drawn quickly).
 */
export async function benchTopologyBrowser(sizes = [1_000, 5_000, 20_000]): Promise<void> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    console.log(
      `\nTopology rendering: SKIPPED (no ${executablePath}; scripts/ensure-test-deps.sh installs it)`,
    );
    return;
  }
  const dir = await buildHarness();
  const server = await serve(dir);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`);
    await page.waitForFunction(() => document.title === 'ready');
    for (const services of sizes) {
      const graph = graphOf(services);
      const figures: Figure[] = [];
      // TOPOLOGY_BENCH_SHOTS=<dir> keeps each drawing for a screenshot there, to see what was timed.
      const shots = process.env.TOPOLOGY_BENCH_SHOTS;
      const run = async (engine: 'g6' | 'g6grouped' | 'cytoscape') => {
        const result = (await page.evaluate(
          ([g, e, keep]) =>
            e === 'cytoscape'
              ? window.topologyBench.cytoscape(g, keep)
              : window.topologyBench.g6(g, e === 'g6grouped', keep),
          [graph, engine, Boolean(shots)] as const,
        )) as RunResult;
        if (shots) {
          // Edges come back once the view has been still for a moment (see the renderer).
          await page.waitForTimeout(400);
          await page.screenshot({ path: path.join(shots, `topology-${services}-${engine}.png`) });
          await page.evaluate(() => window.topologyBench.cleanup());
        }
        return result;
      };
      const report = (label: string, r: RunResult, goals: { render?: number; frame?: number }) => {
        figures.push(
          {
            name: `${label}: first complete render (${r.nodes} nodes, ${r.edges} edges)`,
            value: r.firstRenderMs,
            unit: 'ms',
            ...(goals.render ? { goal: { max: goals.render } } : {}),
          },
          {
            name: `${label}: zoom frame p95`,
            value: p(r.zoomFrames, 95),
            unit: 'ms',
            ...(goals.frame ? { goal: { max: goals.frame } } : {}),
          },
          { name: `${label}: zoom frame max`, value: p(r.zoomFrames, 100), unit: 'ms' },
          {
            name: `${label}: wheel zoom to ×2 and back, 3 times: notches`,
            value: r.zoomFrames.length,
            unit: `(peak ×${(r.zoomedBy ?? 0).toFixed(2)})`,
          },
          {
            name: `${label}: pan frame p95`,
            value: p(r.panFrames, 95),
            unit: 'ms',
            ...(goals.frame ? { goal: { max: goals.frame } } : {}),
          },
        );
        if (r.expandMs !== undefined)
          figures.push({
            name: `${label}: expand the largest namespace (${r.expandedNodes} nodes drawn)`,
            value: r.expandMs,
            unit: 'ms',
            goal: { max: 3000 },
          });
      };
      const g6 = await run('g6');
      report('G6 (console), every node', g6, services === 5_000 ? { render: 3000, frame: 50 } : {});
      if (services > 1_500)
        report('G6 grouped by namespace (console)', await run('g6grouped'), { render: 3000, frame: 50 });
      const cy = await run('cytoscape');
      report('cytoscape.js (reference)', cy, {});
      figures.push({
        name: 'G6 first render ahead of cytoscape.js by',
        value: cy.firstRenderMs - g6.firstRenderMs,
        unit: 'ms',
      });
      printFigures(`Topology rendering in headless Chromium: ${services} services`, figures);
    }
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
