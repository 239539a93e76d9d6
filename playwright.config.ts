import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashSync } from '@node-rs/argon2';
import { defineConfig, devices } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 18080);
// E2E_BASE_URL runs the suite against a console that is already running (no server is started).
const externalURL = process.env.E2E_BASE_URL;
const baseURL = externalURL ?? `http://127.0.0.1:${port}`;

// A fresh embedded control plane for every run. Playwright evaluates this file again in each
// worker; the variable, inherited from the runner, keeps them all on the runner's directory.
const dataDir = (process.env.MESH_CONSOLE_E2E_DATA_DIR ??= fs.mkdtempSync(
  path.join(os.tmpdir(), 'mesh-console-e2e-'),
));

// Every test runs signed in (e2e/fixtures.ts): fresh secrets per run, kept in variables the
// workers inherit like the data directory. The admin token is what the `request` fixture sends; the
// passwords are the accounts' of the users file below.
const secret = () => randomBytes(32).toString('base64url');
process.env.MESH_CONSOLE_E2E_ADMIN_TOKEN ??= `e2e_${secret()}`;
process.env.MESH_CONSOLE_E2E_PASSWORD_ADMIN ??= secret();
process.env.MESH_CONSOLE_E2E_PASSWORD_OPERATOR ??= secret();
process.env.MESH_CONSOLE_E2E_PASSWORD_VIEWER ??= secret();

// The accounts, written once (by the runner) before the console starts: an admin, a viewer of
// everything and an operator of the demo's dubbo-demo namespace only.
const usersFile = path.join(dataDir, 'users.yaml');
if (!externalURL && !fs.existsSync(usersFile)) {
  const account = (name: string, role: string, namespaces: string[], password: string) =>
    [
      `  - name: ${name}`,
      `    passwordHash: '${hashSync(password)}'`,
      `    role: ${role}`,
      `    namespaces: [${namespaces.map((n) => `'${n}'`).join(', ')}]`,
    ].join('\n');
  const env = process.env;
  fs.writeFileSync(
    usersFile,
    [
      'users:',
      account('admin', 'admin', ['*'], env.MESH_CONSOLE_E2E_PASSWORD_ADMIN ?? ''),
      account('operator', 'operator', ['dubbo-demo'], env.MESH_CONSOLE_E2E_PASSWORD_OPERATOR ?? ''),
      account('viewer', 'viewer', ['*'], env.MESH_CONSOLE_E2E_PASSWORD_VIEWER ?? ''),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
}

export default defineConfig({
  testDir: 'e2e',
  // Runs on other ports (several people testing at once) keep their results apart.
  outputDir: process.env.E2E_PORT ? `test-results/port-${port}` : 'test-results',
  testMatch: '**/*.spec.ts',
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 3,
  fullyParallel: false,
  reporter: 'list',
  // A test walks several pages of a console whose BFF, demo mesh and embedded control plane share
  // two cores with the browser and the other worker: flows measured 20-35 s on this machine
  // (the monitoring window-and-search flow ran past 30 s once in CI), so each gets a minute.
  // Flows longer still say so with test.slow().
  timeout: 60_000,
  expect: { timeout: 10_000 },
  globalTeardown: './e2e/global-teardown.ts',
  use: {
    baseURL,
    // A trace records every action's snapshots and a screencast: a fifth of the suite's CPU on two
    // cores. It is taken when a failed test runs again (CI retries once); locally, `--trace on`.
    trace: 'on-first-retry',
    screenshot: 'only-on-failure',
    locale: 'en-US',
    launchOptions: {
      // No browser download works here: drive Debian's Chromium (see DEVELOPERS.md).
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'], channel: undefined } }],
  webServer: externalURL
    ? undefined
    : {
        command: 'npx tsx bff/src/cli/start.ts',
        url: `${baseURL}/api/v1/healthz`,
        // The start command builds the SPA first when dist/web is missing or older than its sources.
        timeout: 180_000,
        reuseExistingServer: false,
        stdout: 'pipe',
        stderr: 'pipe',
        env: {
          PORT: String(port),
          HOST: '127.0.0.1',
          MESH_CONSOLE_DATA_DIR: dataDir,
          MESH_CONSOLE_USERS_FILE: usersFile,
          MESH_CONSOLE_ADMIN_TOKEN: process.env.MESH_CONSOLE_E2E_ADMIN_TOKEN,
          MESH_CONSOLE_ADMIN_PASSWORD: process.env.MESH_CONSOLE_E2E_PASSWORD_ADMIN,
          LOG_LEVEL: 'warn',
          // E2E_WEB_DIR serves a build of your own (e.g. `npx vite build --outDir /abs/dir` first).
          ...(process.env.E2E_WEB_DIR ? { MESH_CONSOLE_WEB_DIR: process.env.E2E_WEB_DIR } : {}),
        },
      },
});
