import type { Locator, Page } from '@playwright/test';
import { expectAccessible } from './a11y';
import { expect, test } from './fixtures';

const ECHO = 'com.alibaba.dubbo.samples.echo.api.EchoService@dubbo';

/** The topology page (查看服务拓扑关系): controls by their accessible names, the graph, the side panel. */
class TopologyPage {
  constructor(readonly page: Page) {}

  /** Opens the page, with filters in its address when given (e.g. `?graph=app`). */
  async open(query = ''): Promise<void> {
    await this.page.goto(`/topology${query}`);
    // The page is a lazy chunk with G6 in it: on two loaded cores it has taken over 10 s to arrive.
    await expect(this.page.getByRole('heading', { name: /^(Topology|服务拓扑)$/, level: 3 })).toBeVisible({
      timeout: 30_000,
    });
  }

  canvas(): Locator {
    return this.page.getByTestId('topology-canvas');
  }

  async chooseGraphType(label: string): Promise<void> {
    const group = this.page.getByRole('radiogroup', { name: 'Graph type' });
    await group.getByText(label, { exact: true }).click();
    await expect(group.getByRole('radio', { name: label, exact: true })).toBeChecked();
  }

  /**
   * Finds a node by name and picks it from the results, as clicking it in the graph does; the
   * namespace tells apart nodes of one name in several (the Istio tasks' Bookinfo in `default`).
   */
  async pick(name: string, namespace?: string): Promise<void> {
    await this.page.getByRole('searchbox', { name: 'Find' }).fill(name);
    const results = this.page.getByRole('region', { name: 'Nodes found' });
    const scope = namespace ? results.getByRole('listitem').filter({ hasText: `· ${namespace}` }) : results;
    await scope.getByRole('button', { name, exact: true }).click();
  }

  panel(name: string): Locator {
    return this.page.getByRole('dialog', { name });
  }

  updatedAt(): Locator {
    return this.page.getByText(/^Updated at:/);
  }
}

test('the topology shows echo-provider and the apps that call it; its panel links to its Routes', async ({
  page,
}) => {
  // A G6 render, a wait for the live refresh and an accessibility scan: past the default 30 s on a
  // loaded 2-core machine.
  test.slow();
  const topology = new TopologyPage(page);
  // Straight to the App graph by its address: on a cold page, drawing the default graph first and
  // then the App graph cost two full G6 renders (the graph types are switched in the next test).
  await topology.open('?graph=app');
  await expect(
    page.getByRole('radiogroup', { name: 'Graph type' }).getByRole('radio', { name: 'App', exact: true }),
  ).toBeChecked();
  // The graph is drawn (G6 loaded on this route only) and names its size. Its chunk and the layout
  // of the demo's ~40 nodes took over 10 s once on a loaded two-core machine: it gets 30 s.
  await expect(topology.canvas()).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  await expect(topology.canvas().locator('canvas').first()).toBeVisible();
  await expect(topology.canvas()).toHaveAccessibleName(/Service topology graph: \d+ nodes, \d+ edges/);

  await topology.pick('echo-provider');
  const panel = topology.panel('echo-provider');
  await expect(panel).toBeVisible();
  await expect(panel.getByText('dubbo-demo', { exact: true })).toBeVisible();
  // The applications that call it, with their traffic.
  const callers = panel.getByRole('region', { name: 'Called by' });
  await expect(callers.getByRole('button', { name: 'echo-consumer', exact: true })).toBeVisible();
  await expect(panel.getByText(ECHO, { exact: true })).toBeVisible();
  await expectAccessible(page, "the topology with a node's panel open");

  // The graph refreshes live without losing the selection.
  const first = await topology.updatedAt().textContent();
  await expect(topology.updatedAt()).not.toHaveText(first ?? '', { timeout: 15_000 });
  await expect(panel).toBeVisible();

  await panel.getByRole('link', { name: 'Routes' }).click();
  await expect(page).toHaveURL(new RegExp(`/services/${encodeURIComponent(ECHO)}\\?tab=routes`));
  await expect(page.getByRole('tab', { name: /Routes/, selected: true })).toBeVisible();
});

test('graph types, namespace filter and hiding change what is drawn', async ({ page }) => {
  // Four graphs drawn in turn (versioned, App, one namespace, some hidden) on a cold page: about
  // 30 s on a loaded 2-core machine, so the slow-test time.
  test.slow();
  const topology = new TopologyPage(page);
  await topology.open();
  await expect(topology.canvas()).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  const summary = () => topology.canvas().getAttribute('aria-label');
  const count = async () => Number(/(\d+) nodes/.exec((await summary()) ?? '')?.[1]);

  // Versioned: reviews has three versions under it, and the service gives each its share.
  await topology.pick('reviews v2', 'bookinfo');
  await expect(topology.panel('reviews v2')).toBeVisible();
  await topology.panel('reviews v2').getByRole('button', { name: 'Close' }).click();
  const versioned = await count();

  await topology.chooseGraphType('App');
  await expect.poll(count).toBeLessThan(versioned);
  const apps = await count();

  await page.getByRole('combobox', { name: 'Namespace' }).fill('dubbo-demo');
  await page.getByRole('combobox', { name: 'Namespace' }).press('Enter');
  await expect.poll(count).toBeLessThan(apps);
  const inNamespace = await count();

  await page.getByRole('textbox', { name: 'Hide by name' }).fill('echo-consumer');
  await expect.poll(count).toBe(inNamespace - 1);
  await expect(topology.page.getByText('1 hidden')).toBeVisible();
});
