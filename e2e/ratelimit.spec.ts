import type { Locator, Page } from '@playwright/test';
import { expectAccessible, OPEN_DIALOG } from './a11y';
import { expect, test } from './fixtures';

/**
 * The demo's busy front door: about 50 requests per second on one instance. The demo's rates drift
 * (a 15-minute wave of ±25 % and a random walk), so it can run at 25/s at a trough: the thresholds
 * below hold anywhere from 25 to 75 per second.
 */
const GATEWAY = 'sc-gateway.spring-demo.svc.cluster.local';
const RULE = 'gate-10';
const rulePath = (name: string) =>
  `/api/v1/services/${encodeURIComponent(GATEWAY)}/ratelimits/${encodeURIComponent(name)}`;

/** The figure a group of the rate-limit summary shows ("Passed/s 10.2" → 10.2). */
async function figure(group: Locator): Promise<number> {
  const text = (await group.textContent()) ?? '';
  const match = /([\d.,]+)\s*$/.exec(text);
  return match ? Number((match[1] ?? '').replace(/,/g, '')) : Number.NaN;
}

function limits(page: Page) {
  const region = page.getByRole('region', { name: /^Rate limiting over the last \d+ s$/ });
  return {
    region,
    passed: () => figure(region.getByRole('group', { name: 'Passed/s' })),
    limited: () => figure(region.getByRole('group', { name: 'Limited/s' })),
  };
}

test.beforeEach(async ({ request }) => {
  // A retry starts from no rule (a 404 is fine).
  expect([204, 404]).toContain((await request.delete(rulePath(RULE))).status());
});

test('a 10/s per-instance limit on a ~50/s service: about 10/s pass and the rest are limited, until it is deleted', async ({
  page,
  request,
}) => {
  test.slow();
  await page.goto(`/services/${encodeURIComponent(GATEWAY)}?tab=rate-limits`);
  await expect(page.getByRole('tab', { name: 'Rate limits' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByText('No rate limits yet')).toBeVisible();

  // Before: everything passes, well over the 10 per second the rule will allow.
  const summary = limits(page);
  await expect(summary.region).toBeVisible();
  await expect.poll(summary.passed, { timeout: 30_000 }).toBeGreaterThan(20);
  expect(await summary.limited()).toBe(0);
  await expectAccessible(page, 'the Rate limits tab');

  // The form opens without errors; a submit attempt names the field, and Submit stays disabled
  // until the rule is valid.
  await page.getByRole('button', { name: 'Add rate limit' }).click();
  const drawer = page.getByRole('dialog', { name: 'Add rate limit' });
  await expect(drawer).toBeVisible();
  await expect(drawer.getByLabel('Rule name')).toBeFocused();
  await expect(drawer.getByRole('status')).toHaveCount(0);
  const submit = drawer.getByRole('button', { name: 'Submit' });
  await submit.click();
  await expect(submit).toBeDisabled();
  await expect(drawer.getByRole('status')).toContainText('Fix the rule name');
  await drawer.getByLabel('Rule name').fill(RULE);
  await drawer.getByLabel('Requests').fill('10');
  // The scope is per instance by default, and the form multiplies the limit out.
  await expect(drawer.getByRole('radio', { name: 'Per instance (Envoy local rate limit)' })).toBeChecked();
  await expect(
    drawer.getByText(/Effective total: 10 requests per second \(10 × 1 ready instances\)/),
  ).toBeVisible();

  // Preview: the EnvoyFilter after the control plane's dry run.
  await drawer.getByRole('button', { name: 'Preview' }).click();
  const yaml = drawer.getByLabel(/^YAML of EnvoyFilter /);
  await expect(yaml).toContainText('envoy.filters.http.local_ratelimit');
  await expect(yaml).toContainText('tokens_per_fill: 10');
  await expectAccessible(page, 'the rate-limit drawer with its preview', { include: OPEN_DIALOG });

  await expect(submit).toBeEnabled();
  await submit.click();
  await expect(drawer).toBeHidden();
  const row = page
    .getByRole('region', { name: 'Rate limits' })
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: RULE, exact: true }) });
  await expect(row).toContainText('10 per second');
  await expect(row).toContainText('Per instance');

  // The mesh enforces it: within 30 s about 10 per second pass and the rest are limited (429, "RL").
  // (Each figure is a rate over the last rate interval, so it falls from ~50 to ~10 as the interval fills.)
  await expect.poll(summary.passed, { timeout: 30_000, intervals: [1000] }).toBeLessThan(12.5);
  expect(await summary.passed()).toBeGreaterThan(8);
  expect(await summary.limited()).toBeGreaterThan(10);
  // The API says the same as the page.
  const metrics = (await (
    await request.get(`/api/v1/services/${encodeURIComponent(GATEWAY)}/metrics?window=5m`)
  ).json()) as { rateLimit: { passedPerSecond: number; limitedPerSecond: number } };
  expect(metrics.rateLimit.passedPerSecond).toBeGreaterThan(8);
  expect(metrics.rateLimit.passedPerSecond).toBeLessThan(12.5);
  expect(metrics.rateLimit.limitedPerSecond).toBeGreaterThan(10);

  // Delete it: the traffic recovers.
  await row.getByRole('button', { name: `Delete ${RULE}` }).click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.getByText('No rate limits yet')).toBeVisible();
  await expect.poll(summary.limited, { timeout: 45_000, intervals: [1000] }).toBe(0);
  expect(await summary.passed()).toBeGreaterThan(20);
});
