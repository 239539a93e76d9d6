import type { APIRequestContext } from '@playwright/test';
import { dump, load } from 'js-yaml';
import { kubectl } from './kubectl';
import { RoutesTab } from './pages/routing';
import { expect, test } from './fixtures';

/**
 * Istio's ambient mode with the Kubernetes Gateway API, on the demo mesh's `shop` namespace
 * (ambient, with the waypoint `waypoint`): the operator splits catalog 20/80 in the same form as
 * for sidecars; the console writes an HTTPRoute (not a VirtualService), a real kubectl reads 20
 * and 80 from it, and the waypoint's traffic follows within 30 s.
 */
const NS = 'shop';
const CATALOG = `catalog.${NS}.svc.cluster.local`;
const RULE = 'catalog';

interface HttpRoute {
  metadata: { managedFields?: unknown };
  spec: { rules?: { matches?: unknown[]; backendRefs?: { name: string; weight?: number }[] }[] };
}

function liveRoute(): HttpRoute {
  return load(kubectl(['get', 'httproute', RULE, '-n', NS, '-o', 'yaml'])) as HttpRoute;
}

/** The route's catch-all rule. */
function catchAllOf(route: HttpRoute) {
  const rules = route.spec.rules ?? [];
  return rules.find((r) => (r.matches ?? []).length === 0) ?? rules[rules.length - 1];
}

/** The weights of the route's catch-all rule, by backend Service, as kubectl reads them. */
function liveWeights(): Record<string, number> {
  return Object.fromEntries((catchAllOf(liveRoute())?.backendRefs ?? []).map((b) => [b.name, b.weight ?? 1]));
}

/**
 * Puts the demo's 90/10 back with kubectl when it is not what is live (a retry of this test after
 * its submit went through), so that every attempt edits the same starting point.
 */
function restoreDemoSplit(): void {
  const demo = { 'catalog-v1': 90, 'catalog-v2': 10 };
  const route = liveRoute();
  const backends = catchAllOf(route)?.backendRefs ?? [];
  if (backends.every((b) => b.weight === demo[b.name as keyof typeof demo])) return;
  for (const b of backends) b.weight = demo[b.name as keyof typeof demo] ?? b.weight;
  delete route.metadata.managedFields;
  kubectl(['replace', '-f', '-'], dump(route));
}

interface Metrics {
  split: { versions: { version: string; share: number | null }[] };
}

async function shareOf(request: APIRequestContext, version: string): Promise<number> {
  const res = await request.get(`/api/v1/services/${encodeURIComponent(CATALOG)}/metrics?window=5m`);
  expect(res.status()).toBe(200);
  const m = (await res.json()) as Metrics;
  return m.split.versions.find((v) => v.version === version)?.share ?? 0;
}

test('a 20/80 split on an ambient service through the form: an HTTPRoute, followed by the waypoint’s traffic', async ({
  page,
  request,
}) => {
  test.slow();
  restoreDemoSplit();
  expect(liveWeights()).toEqual({ 'catalog-v1': 90, 'catalog-v2': 10 });
  const routes = new RoutesTab(page);
  await routes.open(CATALOG);
  // The service's data plane: ambient, through the namespace's waypoint.
  await expect(page.getByRole('cell', { name: 'Data plane : Ambient' })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'Waypoint : shop/waypoint' })).toBeVisible();
  // The tab says which API the rules are written with, and why.
  await expect(page.getByRole('note', { name: 'Route API' })).toContainText('HTTPRoute');

  const editor = await routes.edit(RULE);
  await editor.setWeight('v1', 20);
  await editor.setWeight('v2', 80);
  await expect(editor.total()).toHaveText('Total 100%');
  await editor.button('Preview').click();
  const preview = editor.preview();
  // The preview of an edit opens on its changes: the weights, and nothing else, change.
  const changes = preview.getByRole('tabpanel', { name: 'Changes' });
  for (const line of ['-    weight: 90', '+    weight: 20', '-    weight: 10', '+    weight: 80'])
    await expect(changes).toContainText(line);
  await expect(preview.getByRole('note', { name: 'Route API of this preview' })).toContainText('HTTPRoute');
  await preview.getByRole('tab', { name: 'YAML' }).click();
  const yaml = editor.previewYaml('HTTPRoute', RULE);
  await expect(yaml).toContainText('weight: 20');
  await expect(yaml).toContainText('weight: 80');
  await editor.button('Submit').click();
  // The first test of a worker shares the two cores with the console's warm-up and the other
  // worker's browser: the write takes a fraction of a second, the drawer's close up to ~10 s.
  await expect(editor.dialog).toBeHidden({ timeout: 30_000 });

  // A real kubectl reads the HTTPRoute the console wrote: 20 to catalog-v1, 80 to catalog-v2.
  expect(liveWeights()).toEqual({ 'catalog-v1': 20, 'catalog-v2': 80 });
  // No VirtualService was written for an ambient service with a waypoint.
  expect(kubectl(['get', 'virtualservices', '-n', NS, '-o', 'name']).trim()).toBe('');

  // The waypoint's traffic follows within 30 s: v2's share, 10% before, passes 60% (the rate
  // interval still holds some of the old split) and never overshoots 80% by much.
  await expect
    .poll(() => shareOf(request, 'v2'), { timeout: 30_000, intervals: [1_000] })
    .toBeGreaterThan(0.6);
  expect(await shareOf(request, 'v2')).toBeLessThan(0.9);
});
