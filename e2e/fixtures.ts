import { test as base, expect } from '@playwright/test';

export interface ConsoleOptions {
  /**
   * Console errors a test expects, e.g. Chromium's own log line for a 4xx the test provokes (see
   * `failedResource`). Set it with `test.use({ allowedConsoleErrors: [...] })` in a `describe`
   * around the tests that expect them. Page errors (uncaught exceptions) always fail.
   */
  allowedConsoleErrors: RegExp[];
}

/** Chromium's console error for a response with this HTTP status. */
export const failedResource = (status: number) =>
  new RegExp(`Failed to load resource: the server responded with a status of ${status}\\b`);

/**
 * The console must run clean: any console error (except those the test allows) or uncaught
 * exception in the page fails the test that caused it, with the messages in the failure.
 */
export const test = base.extend<ConsoleOptions & { failOnPageErrors: undefined }>({
  allowedConsoleErrors: [[], { option: true }],
  failOnPageErrors: [
    async ({ page, allowedConsoleErrors }, use) => {
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        const text = message.text();
        if (!allowedConsoleErrors.some((allowed) => allowed.test(text)))
          problems.push(`console.error: ${text}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      await use(undefined);
      expect(problems, 'console errors and page errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
