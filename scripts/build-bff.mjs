// Compiles the BFF to plain JavaScript (dist/bff), so that the console runs with `node` alone:
// no tsx and no dev dependencies at run time (the container image, `npm start`).
//
//   node scripts/build-bff.mjs             build
//   node scripts/build-bff.mjs --if-stale  build only when a source is newer than the build
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = path.join(ROOT, 'bff', 'src');
const CRDS = path.join(SOURCES, 'embedded', 'control-plane', 'crds');

/** The programs the build produces, each from its CLI entry point. */
export const ENTRY_POINTS = { start: 'bff/src/cli/start.ts', users: 'bff/src/cli/users.ts' };

/**
 * Files the bundle reads at run time, relative to its own `import.meta.url`. The bundle lives in
 * dist/bff, where the sources' modules lived deeper, so a relative path the sources use lands
 * somewhere else under dist/: the files are copied there (scripts/build-bff.test.ts checks every
 * relative path in the bundle).
 *   embedded/control-plane/registry/vendored-crds.ts: new URL('../crds/<file>') → dist/crds/<file>
 * (config.ts's '../../dist/web' and console.ts's '../..' resolve from dist/bff as from bff/src.)
 */
export const RUNTIME_FILES = [
  { from: path.join(CRDS, 'gateway-api.json'), to: 'crds/gateway-api.json' },
  { from: path.join(CRDS, 'istio-networking.json'), to: 'crds/istio-networking.json' },
];

/** The newest modification time among the files the build reads (0 when there are none). */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (!/\.test\.tsx?$/.test(e.name)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  walk(SOURCES);
  for (const f of ['package.json', 'package-lock.json', 'scripts/build-bff.mjs'])
    newest = Math.max(newest, fs.statSync(path.join(ROOT, f)).mtimeMs);
  return newest;
}

/** True when `outDir` holds a build at least as new as every source. */
export function isFresh(outDir = path.join(ROOT, 'dist', 'bff')) {
  let built = Infinity;
  for (const name of Object.keys(ENTRY_POINTS)) {
    const file = path.join(outDir, `${name}.js`);
    if (!fs.existsSync(file)) return false;
    built = Math.min(built, fs.statSync(file).mtimeMs);
  }
  return newestSource() <= built;
}

/**
 * Bundles the BFF into `outDir` (default dist/bff) as ESM for Node 20. Packages stay external:
 * they come from node_modules at run time (native ones like better-sqlite3 cannot be bundled).
 * The runtime files go next to it, under `path.dirname(outDir)`.
 */
export async function buildBff(outDir = path.join(ROOT, 'dist', 'bff')) {
  // esbuild comes with tsx and vite (dev dependencies): loaded only when a build is needed.
  let build;
  try {
    ({ build } = await import('esbuild'));
  } catch {
    // An install without dev dependencies (npm ci --omit=dev) runs a build, never makes one.
    throw new Error('esbuild is not installed: run `npm ci` (with dev dependencies), then `npm run build`');
  }
  await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRY_POINTS,
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // Keeps class and function names in logs and stack traces.
    keepNames: true,
    logLevel: 'warning',
  });
  const distDir = path.dirname(outDir);
  for (const { from, to } of RUNTIME_FILES) {
    const target = path.join(distDir, to);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(from, target);
  }
  return { outDir, entryPoints: Object.keys(ENTRY_POINTS).map((n) => path.join(outDir, `${n}.js`)) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  if (ifStale && isFresh()) process.exit(0);
  const started = Date.now();
  try {
    await buildBff();
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
  console.log(`Built the BFF into dist/bff in ${Date.now() - started} ms`);
}
