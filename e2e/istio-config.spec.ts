import { expectAccessible, OPEN_DIALOG } from './a11y';
import { kubectl } from './kubectl';
import { expect, test } from './fixtures';

// The mesh-wide Istio config page against the real BFF and the embedded control plane: a broken
// VirtualService applied with kubectl, as an operator following Istio's tasks would, shows its
// error badge, its checks, its YAML and a link to its service.

const NAMESPACE = 'bookinfo';
const RULE = 'e2e-broken-ratings';
const MISSING_GATEWAY = 'e2e-missing-gateway';

/**
 * Bound to a gateway that does not exist and routing to a subset no DestinationRule defines: two
 * errors. Bound to that gateway only, it changes no in-mesh call, so the demo's traffic (which other
 * specs watch) is left alone.
 */
const BROKEN = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${RULE}
  namespace: ${NAMESPACE}
spec:
  hosts:
    - ratings
  gateways:
    - ${MISSING_GATEWAY}
  http:
    - route:
        - destination:
            host: ratings
            subset: v9
`;

const removeRule = () =>
  kubectl(['delete', 'virtualservice', RULE, '-n', NAMESPACE, '--ignore-not-found', '--wait=false']);

test.beforeEach(() => {
  removeRule();
});
test.afterEach(() => {
  removeRule();
});

test('a broken VirtualService applied with kubectl shows its error badge, its checks, its YAML and its service', async ({
  page,
}) => {
  test.slow();
  kubectl(['apply', '-f', '-'], BROKEN);

  await page.goto('/services');
  await page
    .getByRole('navigation', { name: 'Main navigation' })
    .getByRole('link', { name: 'Istio config' })
    .click();
  await expect(page).toHaveURL(/\/istio-config$/);
  await expect(page.getByRole('heading', { name: 'Istio config', level: 3 })).toBeVisible();

  // Only objects with errors, in bookinfo: the filters go to the address, and a reload keeps them.
  // antd's options are named twice (a hidden listbox for screen readers, the visible list by title).
  await page.getByRole('combobox', { name: 'Filter by validation' }).click();
  await page.getByTitle('Only with errors', { exact: true }).click();
  await expect(page).toHaveURL(/[?&]severity=error/);
  // The namespace's option is looked for in the open dropdown only, and chosen again if the list
  // was re-rendered under the click (CI once saw the click land and no namespace in the address).
  const namespaceFilter = page.getByRole('combobox', { name: 'Filter by namespace' });
  await expect(async () => {
    await namespaceFilter.fill(NAMESPACE);
    await page
      .locator('.ant-select-dropdown:visible')
      .getByTitle(NAMESPACE, { exact: true })
      .click({ timeout: 5000 });
    await expect(page).toHaveURL(new RegExp(`[?&]namespace=${NAMESPACE}`), { timeout: 3000 });
  }).toPass({ timeout: 30_000 });
  await expect(page).toHaveURL(/[?&]severity=error/);
  await page.reload();

  const objects = page.getByRole('region', { name: 'Istio configuration objects' });
  const row = objects.getByRole('row').filter({ hasText: RULE });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole('cell').first()).toHaveText('VirtualService');
  await expect(row).toContainText(`Gateway ${NAMESPACE}/${MISSING_GATEWAY}`);
  await expect(row).toContainText('kubectl');
  const summary = page.getByRole('region', { name: 'Summary' });
  await expect(summary).toContainText('Errors');

  // The red badge, a disclosure: its checks name the missing gateway and subset, with their paths.
  const badge = row.getByRole('button', {
    name: new RegExp(`^Validation of VirtualService ${RULE}: \\d+ errors?`),
  });
  await expect(badge).toHaveAttribute('aria-expanded', 'false');
  await badge.focus();
  await page.keyboard.press('Enter');
  await expect(badge).toHaveAttribute('aria-expanded', 'true');
  const checks = page.getByRole('list', { name: `Checks of VirtualService ${RULE}` });
  await expect(checks).toContainText(MISSING_GATEWAY);
  await expect(checks).toContainText('v9');
  await expect(checks.getByRole('listitem').first()).toContainText('Error');
  await expectAccessible(page, 'the Istio config page with an object’s checks open');

  // Its YAML, read-only, as the control plane stores it; the address names it.
  await row.getByRole('button', { name: `View YAML of VirtualService ${RULE}` }).click();
  const drawer = page.getByRole('dialog', { name: `VirtualService ${NAMESPACE}/${RULE}` });
  const yaml = drawer.getByRole('textbox', { name: `YAML of VirtualService ${RULE}` });
  await expect(yaml).toContainText('subset: v9');
  await expect(yaml).toHaveAttribute('aria-readonly', 'true');
  await expect(page).toHaveURL(new RegExp(`[?&]yaml=VirtualService%2F${NAMESPACE}%2F${RULE}`));
  await expectAccessible(page, 'the Istio config YAML drawer', { include: OPEN_DIALOG });
  await drawer.getByRole('button', { name: 'Close' }).click();
  await expect(drawer).toBeHidden();
  await expect(page).not.toHaveURL(/[?&]yaml=/);

  // Its service, on the Routes tab.
  await row.getByRole('link', { name: `${NAMESPACE}/ratings` }).click();
  await expect(page).toHaveURL(/\/services\/ratings\.bookinfo\.svc\.cluster\.local\?tab=routes$/);
  await expect(page.getByRole('tab', { name: 'Routes', selected: true })).toBeVisible();
});
