import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { createLogger } from '../lib/logger';
import { PROJECT_ROOT } from '../console';
import { startConsole } from '../server';

/** The newest modification time of the files the SPA is built from (0 when there are none). */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  // The SPA, and the contract it shares with the BFF.
  walk(path.join(PROJECT_ROOT, 'web'));
  walk(path.join(PROJECT_ROOT, 'bff', 'src', 'contract'));
  return newest;
}

/**
 * Builds the SPA when there is no build yet (a fresh clone), or when its sources changed since
 * the build (after a `git pull`), so `npm start` is all a user runs and never serves a stale page.
 */
async function ensureWebBuild(webDir: string): Promise<void> {
  if (process.env.MESH_CONSOLE_SKIP_WEB_BUILD === '1') return;
  const index = path.join(webDir, 'index.html');
  const built = fs.existsSync(index) ? fs.statSync(index).mtimeMs : null;
  if (built !== null && newestSource() <= built) return;
  console.log(
    built === null
      ? 'Building the web console (first start only)…'
      : 'Rebuilding the web console (its sources changed)…',
  );
  const { build } = await import('vite');
  await build({
    configFile: path.join(PROJECT_ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: webDir, emptyOutDir: true },
  });
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
  const log = createLogger({ level: config.logLevel });
  await ensureWebBuild(config.webDir);
  const running = await startConsole(config, log);

  console.log('');
  console.log(`  Mesh console        ${running.url}`);
  if (running.controlPlane) {
    console.log(`  Control plane       ${running.controlPlane.url} (embedded; data in ${config.dataDir})`);
    console.log(
      `  kubectl             kubectl --kubeconfig ${running.controlPlane.kubeconfigPath} get virtualservices -A`,
    );
  } else {
    console.log(`  Control plane       ${running.kube.server()}`);
  }
  if (running.demoMetricsUrl)
    console.log(`  Demo mesh metrics   ${running.demoMetricsUrl} (for a Prometheus on this machine)`);
  if (running.firstAdmin) {
    // Printed on standard output once, never logged: the account must change it at first sign-in.
    console.log('');
    console.log(`  Sign in as          ${running.firstAdmin.name}`);
    console.log(`  One-time password   ${running.firstAdmin.password}`);
    console.log('                      (shown only now; you choose a new one when you sign in)');
  }
  console.log('');

  let closing = false;
  // The drain (server.ts): unready at once, the listener closed after the delay, requests in
  // flight finished within the grace, the lease released, the audit flushed; then exit 0.
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal, ...config.shutdown }, 'draining, then shutting down');
    const { delayMs = 0, graceMs = 20_000 } = config.shutdown ?? {};
    // Whatever hangs after the grace (a control plane that does not answer the lease's release)
    // must not keep the pod past its termination grace period.
    setTimeout(
      () => {
        log.error('shutdown did not finish in time: exiting');
        process.exit(1);
      },
      delayMs + graceMs + 10_000,
    ).unref();
    running.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('The console failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
