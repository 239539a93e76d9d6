import { expect, test } from './fixtures';

const REVIEWS = 'reviews.bookinfo.svc.cluster.local';
const ROUTES = `/api/v1/services/${encodeURIComponent(REVIEWS)}/routes`;

/**
 * The point of live traffic: an operator changes a split and watches traffic follow. A 0/100
 * split applied through the API shows up on the Routes tab as the observed split within 30 s.
 */
test.beforeEach(async ({ request }) => {
  // A retry starts from no rule (a 404 is fine).
  expect([204, 404]).toContain((await request.delete(`${ROUTES}/reviews-all-v2`)).status());
});

test('a 0/100 split is followed by the traffic within 30 s', async ({ page, request }) => {
  // Through the API with the admin token, as a script would (the page's session would need CSRF).
  const created = await request.post(ROUTES, {
    data: {
      name: 'reviews-all-v2',
      routeType: 'version',
      trafficSplit: true,
      destinations: [
        { version: 'v1', weight: 0 },
        { version: 'v2', weight: 100 },
      ],
    },
  });
  expect(created.status()).toBe(201);

  await page.goto(`/services/${encodeURIComponent(REVIEWS)}?tab=routes`);
  const row = page.getByRole('row', { name: /reviews-all-v2/ });
  // The Routes tab's code is loaded on demand; on a busy two-core machine that alone took 8 s.
  await expect(row.getByRole('cell', { name: 'v1 0% · v2 100%' })).toBeVisible({ timeout: 20_000 });

  // The observed split cell reads like "v1 1.2% · v2 98.8%" (v3 is not routed any more).
  const observedShareOfV2 = async () => {
    const text = (await row.getByRole('cell').nth(4).textContent()) ?? '';
    const match = /v2 ([\d.]+)%/.exec(text);
    return match ? Number(match[1]) : 0;
  };
  await expect.poll(observedShareOfV2, { timeout: 30_000, intervals: [1_000] }).toBeGreaterThanOrEqual(95);

  expect((await request.delete(`${ROUTES}/reviews-all-v2`)).status()).toBe(204);
});
