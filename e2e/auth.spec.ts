import type { APIRequestContext, APIResponse } from '@playwright/test';
import { expectAccessible } from './a11y';
import { AccountMenu, SignInPage } from './pages/SignInPage';
import { RoutesTab } from './pages/routing';
import { attemptName, attemptNames, expect, failedResource, passwordOf, test } from './fixtures';

// Each test works on its own service, so that they run beside the other specs' rules.
const GREETING = 'org.apache.dubbo.samples.greeting.api.GreetingService@dubbo'; // dubbo-demo
const RATINGS = 'ratings.bookinfo.svc.cluster.local';
const DETAILS = 'details.bookinfo.svc.cluster.local';

const routesPath = (service: string) => `/api/v1/services/${encodeURIComponent(service)}/routes`;
const rulePath = (service: string, name: string) => `${routesPath(service)}/${encodeURIComponent(name)}`;
const servicePage = (service: string) => `/services/${encodeURIComponent(service)}?tab=routes`;

/** Writes a 50/50 split of `service` through the API, as the admin (replacing any left over). */
async function putSplit(
  request: APIRequestContext,
  service: string,
  name: string,
  versions: [string, string],
) {
  expect([204, 404]).toContain((await request.delete(rulePath(service, name))).status());
  const created = await request.post(routesPath(service), {
    data: {
      name,
      routeType: 'version',
      trafficSplit: true,
      destinations: versions.map((version) => ({ version, weight: 50 })),
      matches: [],
      comment: 'Written by the auth e2e spec',
    },
  });
  expect(created.status(), await created.text()).toBe(201);
}

function expectSecurityHeaders(response: APIResponse, what: string) {
  const headers = response.headers();
  const csp = headers['content-security-policy'] ?? '';
  const directive = (name: string) =>
    csp
      .split(';')
      .map((d) => d.trim())
      .find((d) => d.startsWith(`${name} `)) ?? '';
  expect(csp, `${what}: Content-Security-Policy`).not.toBe('');
  const scripts = directive('script-src') || directive('default-src');
  expect(scripts, `${what}: script-src`).toContain("'self'");
  expect(scripts, `${what}: script-src`).not.toContain("'unsafe-inline'");
  expect(scripts, `${what}: script-src`).not.toContain("'unsafe-eval'");
  const framing = directive('frame-ancestors');
  const xfo = headers['x-frame-options'] ?? '';
  expect(framing === "frame-ancestors 'none'" || /^(DENY|SAMEORIGIN)$/i.test(xfo), `${what}: framing`).toBe(
    true,
  );
  expect(headers['x-content-type-options'], `${what}: nosniff`).toBe('nosniff');
  expect(headers['referrer-policy'], `${what}: Referrer-Policy`).toMatch(
    /no-referrer|same-origin|strict-origin/,
  );
}

test('every page is sent with the security headers, signed in or not', async ({
  page,
  playwright,
  baseURL,
}) => {
  // Signed in (the admin): the pages themselves, and an asset they load.
  const assets: string[] = [];
  page.on('response', (r) => {
    if (/\/assets\/.*\.js$/.test(r.url())) assets.push(r.url());
  });
  for (const path of [
    '/services',
    servicePage(GREETING),
    '/topology',
    '/monitoring',
    '/audit',
    '/admin/tokens',
  ]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(200);
    // The same request through the context's API client (same cookies), whose headers are plain.
    expectSecurityHeaders(await page.request.get(path), path);
  }
  const [asset] = assets;
  expect(asset, 'a script of the SPA').toBeDefined();
  if (asset) expectSecurityHeaders(await page.request.get(asset), 'a script asset');

  // Signed out: the sign-in page, and the redirect to it.
  // (The test runner would give a new API context the test's signed-in storage state.)
  const anonymous = await playwright.request.newContext({
    baseURL,
    storageState: { cookies: [], origins: [] },
  });
  try {
    const signin = await anonymous.get('/signin');
    expect(signin.status()).toBe(200);
    expectSecurityHeaders(signin, '/signin');
    const redirect = await anonymous.get('/services?q=echo', { maxRedirects: 0 });
    expect(redirect.status()).toBe(302);
    expect(redirect.headers()['location']).toBe(`/signin?returnTo=${encodeURIComponent('/services?q=echo')}`);
    expectSecurityHeaders(redirect, 'the redirect to /signin');
    const api = await anonymous.get('/api/v1/services');
    expect(api.status()).toBe(401);
    expect(await api.json()).toMatchObject({ code: 'Unauthenticated' });
    expect((await anonymous.get('/api/v1/healthz')).status()).toBe(200);
  } finally {
    await anonymous.dispose();
  }
});

test.describe('a viewer', () => {
  test.use({ signedInAs: 'viewer' });

  test('reads the routing rules and form without Submit, and is told why', async ({ page, request }) => {
    const rule = attemptName('ratings-viewer');
    for (const name of attemptNames('ratings-viewer')) await request.delete(rulePath(RATINGS, name));
    await putSplit(request, RATINGS, rule, ['v1', 'v2']);
    await page.goto(servicePage(RATINGS));
    const routes = new RoutesTab(page);
    const why = 'Your role, viewer, cannot change routes';
    await expect(page.getByRole('note').filter({ hasText: why })).toBeVisible();
    await expect(routes.ruleRow(rule)).toBeVisible();
    await expect(routes.addButton()).toHaveCount(0);
    await expect(page.getByRole('button', { name: `Delete ${rule}` })).toHaveCount(0);
    await expect(page.getByRole('button', { name: `Edit ${rule}` })).toHaveCount(0);

    await page.getByRole('button', { name: `View ${rule}`, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Routing rule' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('textbox', { name: 'Rule name', exact: true })).toHaveValue(rule);
    await expect(dialog.getByRole('button', { name: 'Submit' })).toHaveCount(0);
    await expect(dialog.getByRole('button', { name: 'Preview' })).toHaveCount(0);
    await expect(dialog.getByRole('note')).toHaveText(why);
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    await expect(dialog).toBeHidden();

    // Nor can it roll back from the history.
    const history = await routes.history(rule);
    await expect(history.revisions()).toHaveCount(1);
    await expect(history.dialog.getByRole('button', { name: /^Roll back/ })).toHaveCount(0);

    // The admin pages are not in its navigation.
    await expect(routes.navigation().getByRole('link', { name: 'Audit log' })).toHaveCount(0);
    expect((await request.delete(rulePath(RATINGS, rule))).status()).toBe(204);
  });
});

test.describe('an operator of dubbo-demo', () => {
  test.use({ signedInAs: 'operator' });

  test('submits a rule through the form in its namespace', async ({ page, request }) => {
    test.slow();
    const name = 'greeting-operator';
    expect([204, 404]).toContain((await request.delete(rulePath(GREETING, name))).status());
    const routes = new RoutesTab(page);
    await routes.open(GREETING);
    const editor = await routes.add();
    await editor.field('Rule name').fill(name);
    await editor.addVersionButton().click();
    await editor.setWeight('1.0.0', 70);
    await editor.setWeight('1.1.0', 30);
    await expect(editor.total()).toHaveText('Total 100%');
    await editor.button('Submit').click();
    await expect(editor.dialog).toBeHidden();
    await expect(routes.notice(`Routing rule ${name} saved`)).toBeVisible();
    await expect(routes.ruleRow(name)).toContainText('1.0.0 70% · 1.1.0 30%');

    // The history records who made the change.
    const history = await routes.history(name);
    await expect(history.revision(1)).toContainText('operator');
    await history.dialog.getByRole('button', { name: 'Close' }).click();

    expect((await request.delete(rulePath(GREETING, name))).status()).toBe(204);
  });
});

test.describe('a signed-out user', () => {
  test.use({ signedInAs: null, allowedConsoleErrors: [failedResource(401)] });

  test('is sent to sign in, comes back where they were, and signs out', async ({ page }) => {
    const target = servicePage(GREETING);
    await page.goto(target);
    await expect(page).toHaveURL(`/signin?returnTo=${encodeURIComponent(target)}`);

    const signIn = new SignInPage(page);
    // A wrong password says so, and keeps the user on the page.
    await signIn.signIn('viewer', 'not the password');
    await expect(page.getByRole('alert')).toHaveText('The user name or password is wrong.');
    await expect(page).toHaveURL(/\/signin\?/);
    await expectAccessible(page, 'the sign-in page with its error');

    await signIn.signIn('viewer', passwordOf('viewer'));
    await expect(page).toHaveURL(target);
    const routes = new RoutesTab(page);
    await expect(routes.tab('Routes')).toHaveAttribute('aria-selected', 'true');
    const account = new AccountMenu(page);
    await expect(account.button()).toContainText('viewer');

    await account.signOut();
    await expect(page).toHaveURL(/\/signin/);
    await expect(signIn.heading()).toBeVisible();
    // The session is gone: the console asks to sign in again.
    await page.goto('/services');
    await expect(page).toHaveURL(`/signin?returnTo=${encodeURIComponent('/services')}`);
    await expect(signIn.heading()).toBeVisible();
  });
});

test('an admin sees a change on the Audit page, with its diff', async ({ page, request }) => {
  const name = 'details-audited';
  await putSplit(request, DETAILS, name, ['v1', 'v2']);
  await page.goto('/services');
  await new RoutesTab(page).navigation().getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await page.getByRole('textbox', { name: 'Filter by service' }).fill(DETAILS);
  await expect(page).toHaveURL(new RegExp(`service=${encodeURIComponent(DETAILS)}`));
  const table = page.getByRole('region', { name: 'Audit entries' }).getByRole('table');
  const row = table.getByRole('row').filter({ hasText: name }).filter({ hasText: 'Succeeded' }).first();
  await expect(row).toBeVisible();
  await expect(table.getByRole('row').filter({ hasText: RATINGS })).toHaveCount(0);
  await row.getByRole('button', { name: /expand row/i }).click();
  await expect(page.getByLabel(/^Changes · /).first()).toContainText('weight: 50');
  await expectAccessible(page, 'the audit log with an entry expanded');
  expect((await request.delete(rulePath(DETAILS, name))).status()).toBe(204);
});

test('an admin creates an API token, sees its secret once, and revokes it', async ({
  page,
  playwright,
  baseURL,
}) => {
  await page.goto('/services');
  await new RoutesTab(page).navigation().getByRole('link', { name: 'API tokens' }).click();
  await page.getByRole('button', { name: 'Create token' }).click();
  const form = page.getByRole('dialog', { name: 'Create API token' });
  await form.getByLabel('Token name').fill('e2e-reader');
  await form.getByRole('button', { name: 'Create', exact: true }).click();

  const created = page.getByRole('dialog', { name: 'Token e2e-reader created' });
  const secret = ((await created.getByLabel('Secret of token e2e-reader').textContent()) ?? '').trim();
  expect(secret).toMatch(/^mct_/);
  const script = await playwright.request.newContext({
    baseURL,
    storageState: { cookies: [], origins: [] },
    extraHTTPHeaders: { authorization: `Bearer ${secret}` },
  });
  try {
    // A viewer's token: it reads, and may not write.
    expect((await script.get('/api/v1/services')).status()).toBe(200);
    const write = await script.delete(rulePath(DETAILS, 'no-such-rule'));
    expect(write.status()).toBe(403);

    await created.getByRole('button', { name: 'Done' }).click();
    await expect(created).toBeHidden();
    await expect(page.getByText(secret)).toHaveCount(0);
    const tokens = page.getByRole('region', { name: 'API tokens' });
    const row = tokens.getByRole('row').filter({ hasText: 'e2e-reader' });
    await expect(row).toContainText('Viewer');
    await expectAccessible(page, 'the API tokens page');
    await tokens.getByRole('button', { name: 'Revoke e2e-reader' }).click();
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect(row).toHaveCount(0);
    expect((await script.get('/api/v1/services')).status()).toBe(401);
  } finally {
    await script.dispose();
  }
});

test.describe('the CSP check of every test', () => {
  test.use({
    allowedCspViolations: [/^script-src-elem blocked inline/],
    allowedConsoleErrors: [/Executing inline script violates the following Content Security Policy/],
  });

  test('sees an inline script the policy blocks', async ({ page, cspViolations }) => {
    await page.goto('/services');
    await expect(page.getByRole('heading', { name: 'Services', level: 3 })).toBeVisible();
    const ran = await page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.body.append(script);
      await new Promise((resolve) => setTimeout(resolve, 100));
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(ran).toBe(false);
    await expect
      .poll(() => cspViolations)
      .toEqual([expect.stringMatching(/^script-src-elem blocked inline/)]);
  });
});
