import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { configDefaults } from 'vitest/config';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';

const bffPort = process.env.BFF_PORT ?? '8080';

// The slowest test files (wall seconds on 2 cores), started first. Vitest orders files by the
// durations it recorded; a clean clone (CI) has none, and started these last: the suite then ended
// on one of them running alone.
const SLOW_FIRST = [
  'bff/src/features/changes/crash.test.ts', // 33
  'deploy/in-pod.test.ts', // 25
  'web/src/features/monitoring/MonitoringPage.test.tsx', // 19
  'web/src/app/zhCN.test.tsx', // 17
  'bff/src/clients/lease.test.ts', // 14
  'bff/src/embedded/demo-mesh/traffic/control-plane.test.ts', // 13
  'bff/src/api/fuzz.test.ts', // 13
  'bff/src/api/write-safety.test.ts', // 13
  'bff/src/features/releases/handoff.test.ts', // 11
  'bff/src/api/releases.test.ts', // 11
];

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = SLOW_FIRST.findIndex((slow) => f.moduleId.endsWith(slow));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}

// The tests that mock modules, spy on or stub globals, set environment variables or fake timers: each
// runs in a fresh module graph (and, for the web, DOM); in a shared one, what it changed would leak into
// the files after it. Found by reading the files, so a new test that mocks is isolated without anyone
// listing it.
const ISOLATING =
  /\bvi\.(mock|doMock|spyOn|stubGlobal|stubEnv|useFakeTimers)\(|process\.env(\.\w+|\[[^\]]+\]) *=[^=]|delete process\.env/;
const projectRoot = fileURLToPath(new URL('.', import.meta.url));
const testFiles = (dir: string, pattern: RegExp) =>
  fs
    .readdirSync(path.join(projectRoot, dir), { recursive: true, encoding: 'utf8' })
    .map((file) => path.posix.join(dir, file.split(path.sep).join('/')))
    .filter((file) => pattern.test(file) && !file.includes('/node_modules/'));
const isolating = (files: string[]) =>
  files.filter((file) => ISOLATING.test(fs.readFileSync(path.join(projectRoot, file), 'utf8'))).sort();
const WEB_ISOLATED = isolating(testFiles('web/src', /\.test\.tsx?$/));
const BFF_TESTS = ['bff', 'scripts', 'deploy'].flatMap((dir) => testFiles(dir, /\.test\.ts$/));
const BFF_ISOLATED = isolating(BFF_TESTS);

// The server-side libraries bundled once, as for the web (pino stays out: bundled, it breaks).
const bffDeps = {
  optimizer: {
    ssr: {
      enabled: true,
      include: [
        '@kubernetes/client-node',
        'express',
        'zod',
        'ajv',
        'yaml',
        'js-yaml',
        'openid-client',
        'prom-client',
        'supertest',
        'diff',
        'fast-json-patch',
        're2js',
        'helmet',
        'compression',
        'cookie-parser',
      ],
    },
  },
};

// antd, React and the rest, each bundled into one module for the web's tests: importing antd's
// hundreds of files again for every test file was a third of the web suite's time. (The icons stay
// out: bundled, their named exports come out undefined.)
const webDeps = {
  optimizer: {
    client: {
      enabled: true,
      include: [
        'antd',
        'react',
        'react-dom',
        'react-dom/client',
        'react-router',
        '@tanstack/react-query',
        'echarts',
        'i18next',
        'react-i18next',
        '@uiw/react-codemirror',
        '@codemirror/lang-yaml',
        '@codemirror/lint',
        'dayjs',
      ],
    },
  },
};

// The SPA lives in web/; the build lands in dist/web, which the BFF serves.
export default defineConfig({
  root: 'web',
  publicDir: '../public',
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // G6's lazily loaded renderer chunk is about 1.6 MB; the first page's bundle is far below this.
    chunkSizeWarningLimit: 2000,
  },
  server: {
    port: Number(process.env.VITE_PORT ?? 5173),
    proxy: {
      '/api': { target: `http://127.0.0.1:${bffPort}`, changeOrigin: false },
    },
  },
  test: {
    root: '.',
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one worker on a 2-core machine. Most
    // files wait on a control plane or a browser-like DOM more than they compute, so two halve the time.
    maxWorkers: 2,
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        // The BFF's tests share their worker's modules (isolate: false): express, the Kubernetes
        // client and the console's own modules are imported once per worker, not once per file.
        extends: true,
        test: {
          name: 'bff',
          include: BFF_TESTS,
          exclude: [...configDefaults.exclude, ...BFF_ISOLATED],
          isolate: false,
          deps: bffDeps,
        },
      },
      {
        extends: true,
        test: { name: 'bff-isolated', include: BFF_ISOLATED, deps: bffDeps },
      },
      {
        extends: true,
        test: {
          name: 'web-isolated',
          include: WEB_ISOLATED,
          environment: 'jsdom',
          setupFiles: ['web/src/test/setup.ts'],
          deps: webDeps,
        },
      },
      {
        // The other web tests share their worker's modules and DOM (isolate: false): antd and the
        // app are imported once per worker, not once per file, which halves the web suite's time.
        // The set-up runs again before each file (its hooks: a fresh msw server, cleanup, en-US).
        extends: true,
        test: {
          name: 'web',
          include: ['web/**/*.test.{ts,tsx}'],
          exclude: [...configDefaults.exclude, ...WEB_ISOLATED],
          isolate: false,
          environment: 'jsdom',
          setupFiles: ['web/src/test/setup.ts'],
          deps: webDeps,
        },
      },
    ],
  },
});
