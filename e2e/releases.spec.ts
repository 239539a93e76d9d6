import type { APIRequestContext, Locator, Page } from '@playwright/test';
import { expectAccessible, OPEN_DIALOG } from './a11y';
import { expect, test } from './fixtures';
import { kubectl } from './kubectl';

/**
 * Progressive delivery (issue 17) through the console: a canary of Bookinfo's reviews v3 over v2,
 * steps 20/50/100 held 10 s each, promoted by itself when healthy and rolled back by itself when v3
 * fails 30% of its requests (the demo mesh's `demo.mesh-console.io/error-rate` annotation on its
 * Deployment). reviews in `bookinfo` is routed by no other spec (Istio's tasks route the copy in
 * `default`); every test leaves it as it found it: no release running, no route it made, no
 * annotation. v2 is the stable version: the topology spec picks reviews v2, which keeps its traffic
 * while the release sends none to v1.
 */

const NS = 'bookinfo';
const REVIEWS = `reviews.${NS}.svc.cluster.local`;
const DEPLOYMENT = 'reviews-v3';
const ERROR_RATE = 'demo.mesh-console.io/error-rate';

interface ReleaseView {
  name: string;
  status: { phase: string; reason?: string };
  route: { kind: string; name: string };
}

const api = (...rest: string[]) =>
  ['/api/v1/services', encodeURIComponent(REVIEWS), ...rest.map(encodeURIComponent)].join('/');

async function releases(request: APIRequestContext): Promise<ReleaseView[]> {
  const response = await request.get(api('releases'));
  expect(response.status()).toBe(200);
  return ((await response.json()) as { items: ReleaseView[] }).items;
}

async function routeNames(request: APIRequestContext): Promise<string[]> {
  const response = await request.get(api('routes'));
  expect(response.status()).toBe(200);
  return ((await response.json()) as { items: { name: string }[] }).items.map((r) => r.name);
}

function setErrorRate(rate: string | null) {
  kubectl([
    'annotate',
    'deployment',
    DEPLOYMENT,
    '-n',
    NS,
    '--overwrite',
    rate === null ? `${ERROR_RATE}-` : `${ERROR_RATE}=${rate}`,
  ]);
}

/** A release name of this run (a retry must not meet the previous attempt's release). */
const releaseName = (what: string) => `reviews-v3-${what}-${Date.now().toString(36)}`.slice(0, 63);

/** The Routes tab's canary section, its form and its live panel. */
class Releases {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto(`/services/${encodeURIComponent(REVIEWS)}?tab=routes`);
    await expect(this.startButton()).toBeEnabled({ timeout: 20_000 });
  }

  startButton(): Locator {
    return this.page.getByRole('button', { name: 'Start a canary', exact: true });
  }

  async start(name: string): Promise<void> {
    await this.startButton().click();
    const form = this.page.getByRole('dialog', { name: 'Start a canary' });
    await expect(form).toBeVisible();
    const field = (label: string) => form.getByLabel(label, { exact: true });
    await field('Release name').fill(name);
    await this.choose(field('Stable version'), 'v2');
    await this.choose(field('Canary version'), 'v3');
    // The name offered from the canary does not replace the one typed.
    await expect(field('Release name')).toHaveValue(name);
    // 5/10/25/50/100 by default: down to 20/50/100, each held 10 s.
    for (const n of [5, 4]) await form.getByRole('button', { name: `Remove step ${n}` }).click();
    const weights = [20, 50, 100];
    for (const [i, weight] of weights.entries()) {
      await field(`Weight of step ${i + 1} (%)`).fill(String(weight));
      await field(`Hold of step ${i + 1} (seconds)`).fill('10');
    }
    await field('Max error rate (%)').fill('5');
    await field('Max p99 latency (ms)').fill('2000');
    await field('Min requests per step').fill('5');
    // Both versions chosen, every field valid: no problem under any field.
    await expect(form.locator('.ant-form-item-explain-error')).toHaveCount(0);

    await form.getByRole('button', { name: 'Preview' }).click();
    const preview = form.getByRole('region', { name: 'Preview' });
    await expect(preview).toBeVisible();
    await expect(preview.getByLabel(/^YAML of /).first()).toContainText('v3');
    await expectAccessible(this.page, 'the canary form with its preview', { include: OPEN_DIALOG });
    await form.getByRole('button', { name: 'Start', exact: true }).click();
    await expect(form).toBeHidden();
  }

  /**
   * An option of this select's list, once the previous select's list has faded out. A click that
   * lands while the list is still opening is lost: tried again until the list closes on the choice.
   */
  async choose(select: Locator, version: string): Promise<void> {
    const open = this.page.locator('.ant-select-dropdown:visible');
    await expect(open).toHaveCount(0);
    await expect(async () => {
      if ((await open.count()) === 0) await select.click();
      await open.getByTitle(version, { exact: true }).click({ timeout: 2_000 });
      await expect(open).toHaveCount(0, { timeout: 2_000 });
    }).toPass();
  }

  panel(name: string): Locator {
    return this.page.getByRole('region', { name: `Release ${name}` });
  }

  step(name: string): Locator {
    return this.panel(name).getByTestId('release-step');
  }
}

let routesBefore: string[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeEach(async ({ request }) => {
  setErrorRate(null);
  // Nothing of an earlier attempt still running.
  for (const r of await releases(request)) {
    if (r.status.phase === 'Progressing' || r.status.phase === 'Paused') {
      expect([200, 409]).toContain((await request.post(api('releases', r.name, 'abort'))).status());
    }
  }
  routesBefore = await routeNames(request);
});

test.afterEach(async ({ request }) => {
  setErrorRate(null);
  for (const r of await releases(request)) {
    if (r.status.phase === 'Progressing' || r.status.phase === 'Paused') {
      await request.post(api('releases', r.name, 'abort'));
    }
  }
  // The route the release wrote goes, unless it was there before.
  for (const name of await routeNames(request)) {
    if (!routesBefore.includes(name)) {
      expect([204, 404]).toContain((await request.delete(api('routes', name))).status());
    }
  }
});

test('a healthy canary of reviews v3 climbs 20/50/100 and succeeds', async ({ page, request }) => {
  test.slow();
  const name = releaseName('ok');
  const ui = new Releases(page);
  await ui.open();
  await ui.start(name);

  const panel = ui.panel(name);
  await expect(panel).toBeVisible();
  // The ladder advances in the page, live, step by step.
  await expect(ui.step(name)).toContainText('Step 1 of 3: 20%');
  await expect(ui.step(name)).toContainText('Step 2 of 3: 50%', { timeout: 40_000 });
  await expectAccessible(page, 'the Routes tab with a release in progress');
  await expect(ui.step(name)).toContainText('Step 3 of 3: 100%', { timeout: 40_000 });
  await expect(ui.step(name)).toContainText('All 3 steps done: v3 takes 100%', { timeout: 40_000 });
  await expect(panel.getByText('Succeeded', { exact: true })).toBeVisible();
  await expect(panel.getByRole('alert')).toHaveCount(0);
  await expect(panel.getByRole('list', { name: 'Decision log' })).toContainText('passed');

  // Listed with its outcome, and the API agrees.
  const history = page.getByRole('region', { name: 'Releases of this service' });
  await expect(history.getByRole('row').filter({ hasText: name })).toContainText('Succeeded');
  const [latest] = await releases(request);
  expect(latest?.name).toBe(name);
  expect(latest?.status.phase).toBe('Succeeded');
});

test('a canary of reviews v3 failing 30% of requests rolls back by itself, says why, and is audited', async ({
  page,
  request,
}) => {
  test.slow();
  const name = releaseName('bad');
  const ui = new Releases(page);
  await ui.open();
  const started = new Date();
  await ui.start(name);
  await expect(ui.step(name)).toContainText('Step 1 of 3: 20%');

  setErrorRate('0.3');
  const breach = Date.now();
  const banner = ui.panel(name).getByRole('alert');
  await expect(banner).toContainText('Rolled back to 100% v2', { timeout: 30_000 });
  expect(Date.now() - breach).toBeLessThan(30_000);
  await expect(banner).toContainText(/error rate/i);
  await expect(ui.panel(name).getByText('Rolled back', { exact: true })).toBeVisible();
  await expectAccessible(page, 'a rolled-back release');

  const release = (await releases(request)).find((r) => r.name === name);
  expect(release?.status.phase).toBe('RolledBack');
  expect(release?.status.reason).toMatch(/error rate/i);

  // The rollback is in the audit log, as the release's own decision.
  await expect
    .poll(async () => {
      const response = await request.get(
        `/api/v1/audit?service=${encodeURIComponent(REVIEWS)}&since=${encodeURIComponent(started.toISOString())}`,
      );
      const { items } = (await response.json()) as { items: { action: string; user: string }[] };
      return items.filter((r) => r.action === 'releases.rollback' && r.user === `release:${name}`).length;
    })
    .toBe(1);
});
