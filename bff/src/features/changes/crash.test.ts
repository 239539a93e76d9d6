import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_TOKEN } from '../../testing/auth';

/**
 * The console killed with SIGKILL in the middle of bursts of changes, four times over: every change
 * it acknowledged is live afterwards, and every live change has its revision and its audit record
 * (the journal settles what each kill left pending).
 */

const START = fileURLToPath(new URL('../../cli/start.ts', import.meta.url));
const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const ROUTES = `/api/v1/services/${encodeURIComponent(REVIEWS)}/routes`;
const AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

type Weights = [number, number] | null;
const form = (name: string, w: [number, number]) => ({
  name,
  routeType: 'version',
  trafficSplit: true,
  destinations: [
    { version: 'v1', weight: w[0] },
    { version: 'v2', weight: w[1] },
  ],
});

function startConsole(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', START], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        MESH_CONSOLE_DATA_DIR: dataDir,
        MESH_CONSOLE_SKIP_WEB_BUILD: '1',
        MESH_CONSOLE_WEB_DIR: path.join(dataDir, 'no-web'),
        MESH_CONSOLE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        MESH_CONSOLE_ADMIN_PASSWORD: 'a-crash-test-password',
        MESH_CONSOLE_CHANGE_TIMEOUT: '1s',
        LOG_LEVEL: process.env.CRASH_LOG_LEVEL ?? 'error',
      },
    });
    let out = '';
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (process.env.CRASH_LOG) fs.appendFileSync(process.env.CRASH_LOG, c.toString());
      const m = /Mesh console\s+(http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`the console exited (${code}) before it started: ${err}`)));
  });
}

async function call(url: string, method: string, pathname: string, body?: unknown) {
  const res = await fetch(`${url}${pathname}`, {
    method,
    headers: { ...AUTH, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

describe('changes through kill -9', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-console-crash-'));
  let running: ChildProcess | undefined;
  afterAll(() => {
    running?.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged change, and gives every live change its revision and audit record', async () => {
    /** Per rule: the state after its last acknowledged change, and the one an unanswered change would leave. */
    const acked = new Map<string, Weights>();
    const inFlight = new Map<string, Weights>();
    let acknowledged = 0;
    const refused: string[] = [];
    for (let round = 0; round < 4; round++) {
      const { child, url } = await startConsole(dataDir);
      running = child;
      const killAfter = 12 + round * 3;
      let killed = false;
      let ackedThisRound = 0;
      const writer = async (w: number) => {
        for (let n = 0; !killed; n++) {
          const rule = `crash-${round}-${w}-${n}`;
          const steps: [string, string, unknown, Weights][] = [
            ['POST', ROUTES, form(rule, [50, 50]), [50, 50]],
            ['PUT', `${ROUTES}/${rule}`, form(rule, [20, 80]), [20, 80]],
          ];
          if (n % 3 === 0) steps.push(['DELETE', `${ROUTES}/${rule}`, undefined, null]);
          for (const [method, pathname, body, after] of steps) {
            inFlight.set(rule, after);
            let res;
            try {
              res = await call(url, method, pathname, body);
            } catch {
              return; // the console is gone: this change stays unanswered
            }
            inFlight.delete(rule);
            if (res.status >= 300) {
              refused.push(`${method} ${rule}: ${res.status} ${JSON.stringify(res.body)}`);
              break;
            }
            acked.set(rule, after);
            acknowledged++;
            if (++ackedThisRound >= killAfter && !killed) {
              killed = true;
              child.kill('SIGKILL');
            }
          }
        }
      };
      await Promise.all([0, 1, 2].map(writer));
      if (!killed) child.kill('SIGKILL');
      await new Promise<void>((resolve) =>
        child.exitCode !== null || child.signalCode !== null
          ? resolve()
          : child.once('exit', () => resolve()),
      );
    }
    expect(acknowledged, refused.join('\n')).toBeGreaterThanOrEqual(4 * 12);
    // A conflict on the shared DestinationRule is retried; nothing else may refuse these changes.
    expect(refused.filter((r) => !r.includes(' 409 '))).toEqual([]);

    const { child, url } = await startConsole(dataDir);
    running = child;
    // The journal settles what the last kill left within a second or two.
    await expect
      .poll(
        async () => {
          const list = (await call(url, 'GET', ROUTES)).body as { items: { name: string }[] };
          return list.items.length;
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 3000));

    const list = (await call(url, 'GET', ROUTES)).body as {
      items: { name: string; yaml: string; form: { destinations: { weight: number }[] } | null }[];
    };
    const live = new Map(list.items.map((r) => [r.name, r]));
    for (const [rule, state] of acked) {
      const rule_ = live.get(rule);
      const liveState: Weights = rule_
        ? ((rule_.form?.destinations.map((d) => d.weight) ?? []) as [number, number])
        : null;
      const allowed = [state, ...(inFlight.has(rule) ? [inFlight.get(rule) ?? null] : [])];
      expect(
        allowed.map((s) => JSON.stringify(s)),
        rule,
      ).toContain(JSON.stringify(liveState));
    }

    const audit = (await call(url, 'GET', '/api/v1/audit?limit=1000')).body as {
      items: { action: string; outcome: string; resource: { name: string } | null; message: string | null }[];
    };
    for (const rule of live.keys()) {
      if (!rule.startsWith('crash-')) continue;
      const revisions = (await call(url, 'GET', `${ROUTES}/${rule}/revisions`)).body as {
        items: { revision: number; objects: { yaml: string }[] }[];
      };
      // The newest revision holds what is live.
      const newest = revisions.items[0];
      expect(newest, rule).toBeDefined();
      const liveYaml = live.get(rule)?.yaml ?? '';
      const spec = (y: string) => y.slice(y.indexOf('spec:'));
      expect(
        newest?.objects.map((o) => spec(o.yaml)),
        rule,
      ).toContain(spec(liveYaml));
      // Every revision has its audit record: a change, or a change interrupted half-way.
      const records = audit.items.filter(
        (r) =>
          r.resource?.name === rule &&
          (r.outcome === 'succeeded' || /half-way/.test(r.message ?? '')) &&
          r.action.startsWith('routes.'),
      );
      expect(records.length, rule).toBe(revisions.items.length);
    }
    const pending = (await call(url, 'GET', ROUTES)).status;
    expect(pending).toBe(200);
    child.kill('SIGTERM');
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    running = undefined;
  }, 240_000);
});
