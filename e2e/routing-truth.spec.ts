import { load } from 'js-yaml';
import { expectAccessible, OPEN_DIALOG } from './a11y';
import { RoutesTab } from './pages/routing';
import { kubectl } from './kubectl';
import { expect, failedResource, test } from './fixtures';

// Rules the console did not write, applied with a real kubectl as an operator following Istio's
// tasks would: the Routes tab shows and edits what the mesh does, and leaves alone what it does
// not change.

const ORDERS = 'order-service.spring-demo.svc.cluster.local';
const PRODUCTPAGE = 'productpage.bookinfo.svc.cluster.local';

interface Live {
  metadata: {
    resourceVersion: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: {
    gateways?: string[];
    http?: { route?: { weight?: number; destination: { subset?: string } }[] }[];
  };
}

const live = (kind: string, name: string, namespace: string) =>
  load(kubectl(['get', kind, name, '-n', namespace, '-o', 'yaml'])) as Live;
const weights = (vs: Live) => (vs.spec.http?.at(-1)?.route ?? []).map((r) => r.weight ?? 0);
const remove = (kind: string, name: string, namespace: string) =>
  kubectl(['delete', kind, name, '-n', namespace, '--ignore-not-found', '--wait=false']);

const SUBSETS = (host: string, namespace: string, name: string, versions: string[]) => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  host: ${host}
  subsets:
${versions.map((v) => `  - name: ${v}\n    labels:\n      version: ${v}`).join('\n')}
`;

test.describe('a gateway-bound rule', () => {
  const NS = 'spring-demo';
  test.afterEach(() => {
    for (const [kind, name] of [
      ['virtualservice', 'orders-edge'],
      ['destinationrule', 'orders-edge'],
      ['gateway', 'shop-gateway'],
    ] as const)
      remove(kind, name, NS);
  });

  test('shows its gateway in the form, says it does not route the mesh, and keeps it through an edit of its weights', async ({
    page,
  }) => {
    test.slow();
    kubectl(
      ['apply', '-f', '-'],
      `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: shop-gateway
  namespace: ${NS}
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: { number: 80, name: http, protocol: HTTP }
    hosts: ["*"]
---
${SUBSETS('order-service', NS, 'orders-edge', ['v1', 'v2'])}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: orders-edge
  namespace: ${NS}
spec:
  hosts: [order-service]
  gateways: [shop-gateway]
  http:
  - route:
    - destination: { host: order-service, subset: v1 }
      weight: 90
    - destination: { host: order-service, subset: v2 }
      weight: 10
`,
    );
    const routes = new RoutesTab(page);
    await routes.open(ORDERS);
    const row = routes.ruleRow('orders-edge');
    await expect(row).toContainText(`${NS}/shop-gateway`);
    await expect(row).toContainText('kubectl');

    const editor = await routes.edit('orders-edge');
    const gateways = editor.dialog.getByRole('combobox', { name: 'Gateways' });
    await expect(gateways).toBeVisible();
    // The selection shows the rule's gateway.
    await expect(
      editor.dialog.locator('.ant-select-selection-item', { hasText: `${NS}/shop-gateway` }),
    ).toBeVisible();
    await expect(
      editor.dialog.getByText(/calls between services inside the mesh are not affected/),
    ).toBeVisible();
    await expectAccessible(page, 'the editor of a gateway-bound rule', { include: OPEN_DIALOG });

    await editor.setWeight('v1', 50);
    await editor.setWeight('v2', 50);
    await editor.button('Preview').click();
    // The diff changes the weights and nothing else: no line of the gateways goes.
    await expect(editor.preview()).toContainText('+ weight: 50');
    await expect(editor.preview()).not.toContainText('- shop-gateway');
    await editor.button('Submit').click();
    await expect(editor.dialog).toBeHidden();

    const after = live('virtualservice', 'orders-edge', NS);
    expect(after.spec.gateways).toEqual(['shop-gateway']);
    expect(weights(after)).toEqual([50, 50]);
    expect(after.metadata.labels?.['app.kubernetes.io/managed-by']).toBeUndefined();
  });
});

test.describe('the YAML editor', () => {
  const NS = 'spring-demo';
  test.use({ allowedConsoleErrors: [failedResource(400)] });
  test.afterEach(() => {
    remove('virtualservice', 'orders-yaml', NS);
    remove('destinationrule', 'orders-yaml', NS);
  });

  test('refuses a split of 60/30, naming the route, and leaves the rule as it was', async ({ page }) => {
    test.slow();
    // Two match blocks in one route: the form cannot show it, so it opens as YAML.
    kubectl(
      ['apply', '-f', '-'],
      `${SUBSETS('order-service', NS, 'orders-yaml', ['v1', 'v2'])}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: orders-yaml
  namespace: ${NS}
spec:
  hosts: [order-service]
  http:
  - match:
    - uri: { prefix: /a }
    - uri: { prefix: /b }
    route:
    - destination: { host: order-service, subset: v2 }
  - route:
    - destination: { host: order-service, subset: v1 }
      weight: 50
    - destination: { host: order-service, subset: v2 }
      weight: 50
`,
    );
    const before = live('virtualservice', 'orders-yaml', NS);
    const routes = new RoutesTab(page);
    await routes.open(ORDERS);
    const editor = await routes.edit('orders-yaml');
    await expect(
      editor.dialog.getByText('The form cannot show this rule, so it opens as YAML:'),
    ).toBeVisible();
    const yaml = editor.dialog.getByRole('textbox', { name: 'YAML of the rule' });
    await expect(yaml).toContainText('weight: 50');
    const text = (await yaml.innerText())
      .replace('weight: 50', 'weight: 60')
      .replace('weight: 50', 'weight: 30');
    await yaml.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText(text);
    await expect(yaml).toContainText('weight: 60');

    await editor.button('Preview').click();
    await expect(editor.dialog.getByText(/spec\.http\[1\]: the weights total 90, not 100/)).toBeVisible();
    // Nothing was written.
    expect(live('virtualservice', 'orders-yaml', NS).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
    expect(weights(live('virtualservice', 'orders-yaml', NS))).toEqual([50, 50]);
  });
});

test.describe('a kubectl-applied rule', () => {
  const NS = 'bookinfo';
  test.afterEach(() => {
    remove('virtualservice', 'productpage-pin', NS);
    remove('destinationrule', 'productpage-pin', NS);
  });

  test('saved unchanged through the form is not relabelled, nor its DestinationRule', async ({ page }) => {
    test.slow();
    kubectl(
      ['apply', '-f', '-'],
      `${SUBSETS('productpage', NS, 'productpage-pin', ['v1'])}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: productpage-pin
  namespace: ${NS}
  labels:
    team: storefront
spec:
  hosts: [productpage]
  http:
  - route:
    - destination: { host: productpage, subset: v1 }
`,
    );
    const vsBefore = live('virtualservice', 'productpage-pin', NS);
    const drBefore = live('destinationrule', 'productpage-pin', NS);
    const routes = new RoutesTab(page);
    await routes.open(PRODUCTPAGE);
    await expect(routes.ruleRow('productpage-pin')).toContainText('kubectl');
    const editor = await routes.edit('productpage-pin');
    await editor.button('Preview').click();
    await expect(editor.preview()).toBeVisible();
    await editor.button('Submit').click();
    await expect(editor.dialog).toBeHidden();

    const vsAfter = live('virtualservice', 'productpage-pin', NS);
    const drAfter = live('destinationrule', 'productpage-pin', NS);
    expect(vsAfter.metadata).toEqual(vsBefore.metadata);
    expect(drAfter.metadata).toEqual(drBefore.metadata);
    expect(vsAfter.metadata.labels).toEqual({ team: 'storefront' });
  });
});
