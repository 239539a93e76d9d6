import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY_POINTS, RUNTIME_FILES, buildBff, isFresh } from './build-bff.mjs';

/**
 * The compiled BFF runs in the image with production dependencies only: every package the bundle
 * imports must be one, and every file it reads beside itself must be where the build puts it.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('the compiled BFF', () => {
  // The image's layout: the project root (package.json) with dist/bff and dist/web in it.
  let root: string;
  let dist: string;
  let outDir: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'build-bff-'));
    dist = path.join(root, 'dist');
    outDir = path.join(dist, 'bff');
    await buildBff(outDir);
  }, 60_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('imports at run time only production dependencies (vite only when the SPA must be built)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const builtins = new Set(builtinModules);
    for (const name of Object.keys(ENTRY_POINTS)) {
      const code = fs.readFileSync(path.join(outDir, `${name}.js`), 'utf8');
      const staticImports = [...code.matchAll(/^\s*(?:import|export)\s[^;]*?from\s*"([^"]+)"/gm)].map(
        (m) => m[1],
      );
      const bareImports = [...code.matchAll(/^\s*import\s*"([^"]+)"/gm)].map((m) => m[1]);
      const dynamicImports = [...code.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]);
      const packageOf = (spec: string) =>
        spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
      const external = (specs: (string | undefined)[]) =>
        [...new Set(specs.filter((s): s is string => !!s && !s.startsWith('.') && !s.startsWith('node:')))]
          .filter((s) => !builtins.has(s))
          .map(packageOf);
      const atStart = external([...staticImports, ...bareImports]);
      expect(atStart.length, name).toBeGreaterThan(0);
      for (const p of atStart) expect(pkg.dependencies, `${name}.js imports ${p}`).toHaveProperty([p]);
      // Dynamic imports: vite builds a missing SPA (never in the image, which holds dist/web).
      for (const p of external(dynamicImports))
        if (!(p in pkg.dependencies)) expect(p, `${name}.js imports ${p} lazily`).toBe('vite');
    }
    // Build and development tools stay out of the production install.
    for (const dev of ['tsx', 'vite', 'esbuild', 'typescript', 'vitest'])
      expect(pkg.dependencies).not.toHaveProperty([dev]);
  });

  it('puts every file the bundle reads where its relative paths land', () => {
    for (const { to } of RUNTIME_FILES) expect(fs.existsSync(path.join(dist, to)), to).toBe(true);
    for (const file of ['gateway-api.json', 'istio-networking.json'])
      expect(JSON.parse(fs.readFileSync(path.join(dist, 'crds', file), 'utf8'))).toHaveProperty('crds');
    // Every relative path in the bundle (read against import.meta.url) resolves from dist/bff: to
    // the project root (package.json), the web build, or a file the build put under dist/.
    const elsewhere = new Set([root, path.join(dist, 'web')]);
    for (const name of Object.keys(ENTRY_POINTS)) {
      const code = fs.readFileSync(path.join(outDir, `${name}.js`), 'utf8');
      const relative = [...code.matchAll(/["`](\.\.?\/[^"`$]*)/g)].map((m) => m[1] as string);
      expect(relative.length, name).toBeGreaterThan(0);
      for (const rel of relative) {
        const target = path.resolve(outDir, rel);
        if (elsewhere.has(target)) continue;
        expect(fs.existsSync(target), `${name}.js reads ${rel} (${target})`).toBe(true);
      }
    }
  });

  it('is fresh when newer than every source, stale when older or missing', () => {
    // Times set by hand: sources edited while the test runs must not decide it.
    const at = (ms: number) => {
      for (const name of Object.keys(ENTRY_POINTS))
        fs.utimesSync(path.join(outDir, `${name}.js`), new Date(ms), new Date(ms));
    };
    at(Date.now() + 86400_000);
    expect(isFresh(outDir)).toBe(true);
    at(Date.now() - 365 * 86400_000);
    expect(isFresh(outDir)).toBe(false);
    at(Date.now() + 86400_000);
    fs.rmSync(path.join(outDir, 'users.js'));
    expect(isFresh(outDir)).toBe(false);
  });
});
