import { test as base, expect } from '@playwright/test';
import type { BrowserContextOptions } from '@playwright/test';

/** The accounts of the users file playwright.config.ts writes for the run. */
export type Account = 'admin' | 'operator' | 'viewer';

/** The run's admin API token (MESH_CONSOLE_ADMIN_TOKEN of the console under test). */
export function adminToken(): string {
  const token = process.env.MESH_CONSOLE_E2E_ADMIN_TOKEN;
  if (!token) throw new Error('MESH_CONSOLE_E2E_ADMIN_TOKEN is not set: run through playwright.config.ts');
  return token;
}

/** An account's password for this run (the operator may change routes in dubbo-demo only). */
export function passwordOf(account: Account): string {
  const password = process.env[`MESH_CONSOLE_E2E_PASSWORD_${account.toUpperCase()}`];
  if (!password) throw new Error(`No password for ${account}: run through playwright.config.ts`);
  return password;
}

type StorageState = Exclude<BrowserContextOptions['storageState'], string | undefined>;

export interface ConsoleOptions {
  /**
   * Console errors a test expects, e.g. Chromium's own log line for a 4xx the test provokes (see
   * `failedResource`). Set it with `test.use({ allowedConsoleErrors: [...] })` in a `describe`
   * around the tests that expect them. Page errors (uncaught exceptions) always fail.
   */
  allowedConsoleErrors: RegExp[];
  /**
   * Who the browser is signed in as: the admin unless a test says otherwise, e.g.
   * `test.use({ signedInAs: 'viewer' })`, or `null` for a signed-out browser.
   */
  signedInAs: Account | null;
  /** CSP violations a test provokes on purpose (only the test of the reporting itself). */
  allowedCspViolations: RegExp[];
}

interface TestFixtures {
  failOnPageErrors: undefined;
  /** The Content-Security-Policy violations the page has reported so far. */
  cspViolations: string[];
}

interface WorkerFixtures {
  /** Signs `account` in through the API, once per worker, and returns the browser state. */
  signedInState: (account: Account) => Promise<StorageState>;
}

/** Chromium's console error for a response with this HTTP status. */
export const failedResource = (status: number) =>
  new RegExp(`Failed to load resource: the server responded with a status of ${status}\\b`);

/**
 * A rule's names in this and the earlier attempts of the running test, this attempt's last. A
 * rule's history outlives the rule, so a retry that made the same rule again would find the first
 * attempt's revisions beside its own: each attempt names its rules, and removes the earlier ones.
 */
export function attemptNames(name: string): string[] {
  const { retry } = base.info();
  return [name, ...Array.from({ length: retry }, (_, i) => `${name}-retry${i + 1}`)];
}

export const attemptName = (name: string): string => attemptNames(name).at(-1) ?? name;

const CSP_BINDING = '__meshConsoleCspViolation';

/**
 * The console must run clean: any console error (except those the test allows), uncaught exception
 * or Content-Security-Policy violation in the page fails the test that caused it, with the messages
 * in the failure. Pages are signed in (as the admin by default) and `request` calls the API with
 * the admin's bearer token.
 */
export const test = base.extend<ConsoleOptions & TestFixtures, WorkerFixtures>({
  allowedConsoleErrors: [[], { option: true }],
  signedInAs: ['admin', { option: true }],
  allowedCspViolations: [[], { option: true }],

  signedInState: [
    async ({ playwright }, use, workerInfo) => {
      const baseURL = workerInfo.project.use.baseURL;
      const states = new Map<Account, Promise<StorageState>>();
      const signIn = async (account: Account): Promise<StorageState> => {
        const context = await playwright.request.newContext({ baseURL });
        try {
          const response = await context.post('/api/v1/auth/login', {
            data: { username: account, password: passwordOf(account) },
          });
          if (response.status() !== 200) {
            throw new Error(
              `Signing in as ${account} answered ${response.status()}: ${await response.text()}`,
            );
          }
          return await context.storageState();
        } finally {
          await context.dispose();
        }
      };
      await use((account) => {
        let state = states.get(account);
        if (!state) {
          state = signIn(account);
          states.set(account, state);
        }
        return state;
      });
    },
    { scope: 'worker' },
  ],

  storageState: async ({ signedInAs, signedInState }, use) => {
    await use(signedInAs ? await signedInState(signedInAs) : { cookies: [], origins: [] });
  },

  // The API as scripts and CI call it: with the admin token (no session, no CSRF token).
  request: async ({ playwright, baseURL }, use) => {
    const context = await playwright.request.newContext({
      baseURL,
      extraHTTPHeaders: { authorization: `Bearer ${adminToken()}` },
      // Only the token: not the cookies of the page's signed-in state, which the runner would add.
      storageState: { cookies: [], origins: [] },
    });
    await use(context);
    await context.dispose();
  },

  // The SPA must run under the console's strict CSP: every violation is reported here.
  cspViolations: async ({ page }, use) => {
    const violations: string[] = [];
    await page.exposeBinding(CSP_BINDING, (_source, report: string) => {
      violations.push(report);
    });
    await page.addInitScript((binding) => {
      document.addEventListener(
        'securitypolicyviolation',
        (event) => {
          const report = (window as unknown as Record<string, (text: string) => void>)[binding];
          report?.(
            `${event.effectiveDirective} blocked ${event.blockedURI || '(inline)'} in ${event.sourceFile || event.documentURI}:${event.lineNumber}`,
          );
        },
        true,
      );
    }, CSP_BINDING);
    await use(violations);
  },

  failOnPageErrors: [
    async ({ page, allowedConsoleErrors, cspViolations, allowedCspViolations }, use) => {
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        const text = message.text();
        if (!allowedConsoleErrors.some((allowed) => allowed.test(text)))
          problems.push(`console.error: ${text}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      await use(undefined);
      for (const violation of cspViolations) {
        if (!allowedCspViolations.some((allowed) => allowed.test(violation)))
          problems.push(`CSP violation: ${violation}`);
      }
      expect(problems, 'console errors, page errors and CSP violations').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
