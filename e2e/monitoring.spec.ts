import { expectAccessible } from './a11y';
import { MonitoringPage } from './pages/MonitoringPage';
import type { TopList } from './pages/MonitoringPage';
import { expect, test } from './fixtures';

const ECHO = 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo';
const LISTS: TopList[] = ['requests', 'latency', 'errorRate'];

test('the monitoring page shows the three Top 5 lists and the application services, and updates live', async ({
  page,
}) => {
  // A wait for the live update and an accessibility scan of a live page (a few seconds on a loaded
  // 2-core machine): past the default 30 s there.
  test.slow();
  const monitoring = new MonitoringPage(page);
  await monitoring.open();

  for (const list of LISTS) {
    await expect(monitoring.topList(list).getByRole('listitem').first()).toBeVisible();
    expect(await monitoring.topList(list).getByRole('listitem').count()).toBeLessThanOrEqual(5);
  }
  // The demo mesh's applications, with the talk's columns.
  await expect(monitoring.applicationRow('echo-provider')).toBeVisible();
  for (const column of ['Application', 'Replicas', 'Requests (/min)', 'Response time (ms)', 'Error rate']) {
    await expect(monitoring.applicationsTable().getByRole('columnheader', { name: column })).toBeVisible();
  }
  await expectAccessible(page, 'the monitoring page');

  await expect(monitoring.updatedAt()).toHaveText(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
  const first = await monitoring.updatedAt().textContent();
  await expect(monitoring.liveStatus()).toHaveText('Live');
  // The stream sends an overview about every 5 s; the table asks for its page again to follow it.
  const refreshed = monitoring.applicationsPage({ window: '5m', page: '1' }, 15_000);
  await expect(monitoring.updatedAt()).not.toHaveText(first ?? '', { timeout: 15_000 });
  const page1 = await refreshed;
  expect(page1.status()).toBe(200);
  await expect(monitoring.applicationRow('echo-provider')).toBeVisible();
});

test('a window is chosen, searched in, and a row leads to its service', async ({ page }) => {
  const monitoring = new MonitoringPage(page);
  await monitoring.open();
  await expect(monitoring.applicationRow('echo-provider')).toBeVisible();

  await monitoring.chooseWindow('1 hour');
  await expect(page).toHaveURL(/[?&]window=1h/);
  await expect(monitoring.liveStatus()).toHaveText('Live');

  // The BFF searches: the request carries the text, for the first page of the matches.
  const searched = monitoring.applicationsPage({ window: '1h', q: 'echo-prov', page: '1' });
  await monitoring.searchBox().fill('echo-prov');
  expect((await searched).status()).toBe(200);
  await expect(monitoring.applicationsTable().getByRole('row')).toHaveCount(2);
  await monitoring.applicationRow('echo-provider').getByRole('link', { name: 'echo-provider' }).click();
  await expect(page).toHaveURL(new RegExp(`/services/${encodeURIComponent(ECHO)}`));
  await expect(
    page.getByRole('heading', { name: 'com.alibaba.dubbo.samples.echo.api.EchoService' }),
  ).toBeVisible();
});

test('the BFF sorts and pages the applications table', async ({ page }) => {
  // Two round trips, each waited for, and an accessibility scan: past the default 30 s when loaded.
  test.slow();
  const monitoring = new MonitoringPage(page);
  await monitoring.open();
  await expect(monitoring.applicationRow('echo-provider')).toBeVisible();
  const table = monitoring.applicationsTable();

  // Busiest first, over every application (not only those of the page on screen).
  const requestsHeader = table.getByRole('columnheader', { name: 'Requests (/min)' });
  const sorted = monitoring.applicationsPage({ sort: 'requests', order: 'desc', page: '1' });
  await requestsHeader.click();
  expect((await sorted).status()).toBe(200);
  await expect(requestsHeader).toHaveAttribute('aria-sort', 'descending');
  await expect(async () => {
    const values = await monitoring.columnNumbers('Requests (/min)');
    expect(values.length).toBeGreaterThan(1);
    expect(values).toEqual([...values].sort((a, b) => (b ?? -1) - (a ?? -1)));
  }).toPass({ timeout: 10_000 });

  // The next page, in the same order: other applications.
  const firstPage = await monitoring.applicationNames();
  const paged = monitoring.applicationsPage({ sort: 'requests', order: 'desc', page: '2' });
  await monitoring.nextApplicationsPage().click();
  expect((await paged).status()).toBe(200);
  // Not the busiest (live rounds may move an application across the pages' edge, never it).
  await expect(async () => {
    const secondPage = await monitoring.applicationNames();
    expect(secondPage.length).toBeGreaterThan(0);
    expect(secondPage).not.toContain(firstPage[0]);
  }).toPass({ timeout: 10_000 });
  await expectAccessible(page, 'the applications table, sorted and paged');
});

test('the page reads in Chinese, as the talk shows it', async ({ page }) => {
  const monitoring = new MonitoringPage(page);
  await monitoring.open();
  await monitoring.switchLanguage('中文');

  await expect(monitoring.heading()).toHaveText('实时监控');
  await expect(monitoring.updatedAt()).toBeVisible();
  for (const list of LISTS) await expect(monitoring.topList(list)).toBeVisible();
  for (const column of ['应用服务', '副本数', '请求量 (分钟)', '响应时间 (ms)', '错误率']) {
    await expect(monitoring.applicationsTable().getByRole('columnheader', { name: column })).toBeVisible();
  }
  await expect(monitoring.timeWindow()).toHaveAccessibleName('时间窗口');
});
