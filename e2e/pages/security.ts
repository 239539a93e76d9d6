import { expect } from '@playwright/test';
import type { Locator, Page } from '@playwright/test';
import { ServiceDetailPage } from './ServiceDetailPage';

/**
 * The Security tab (安全) of a service: the mTLS mode in force (PeerAuthentication) and who may call
 * the service (AuthorizationPolicy), with the callers seen and what the policies decide for them.
 */
export class SecurityTab extends ServiceDetailPage {
  async open(serviceId: string): Promise<void> {
    await this.page.goto(`/services/${encodeURIComponent(serviceId)}?tab=security`);
    // The service, then the tab's lazy chunk, then its two lists: on two cores shared with the
    // console, its demo mesh and other runs, over 10 s at times.
    await expect(this.tab(/^(Security|安全)$/)).toHaveAttribute('aria-selected', 'true', { timeout: 30_000 });
    // The buttons wait for the list: once enabled, the tab has loaded.
    await expect(this.newPolicyButton()).toBeEnabled({ timeout: 30_000 });
  }

  /** The mTLS region: the mode in force and where it comes from, client TLS, plaintext callers. */
  mtls(): Locator {
    return this.page.getByRole('region', { name: 'mTLS', exact: true });
  }

  /** "Mode in force: PERMISSIVE" (生效模式：…). */
  modeInForce(): Locator {
    return this.mtls().getByText(/^(Mode in force: |生效模式：)/);
  }

  /** Who may call the service: the policies, the callers seen, "New policy". */
  accessPolicies(): Locator {
    return this.page.getByRole('region', { name: /^(Access policies|访问策略)$/ });
  }

  newPolicyButton(): Locator {
    return this.accessPolicies().getByRole('button', { name: /^(New policy|新建策略)$/ });
  }

  policies(): Locator {
    return this.accessPolicies().getByRole('table', { name: /^(Policies|策略)$/ });
  }

  policyRow(name: string): Locator {
    return this.policies()
      .getByRole('row')
      .filter({ has: this.page.getByRole('cell', { name, exact: true }) });
  }

  /** The callers seen over the last 5 minutes, each with its verdict under the policies in force. */
  callers(): Locator {
    return this.accessPolicies().getByRole('table', { name: /^(Callers seen|观测到的调用方)/ });
  }

  /** A caller's row, by the start of its name (`productpage` finds `productpage` and `productpage-v1`). */
  callerRow(name: string): Locator {
    return this.callers()
      .getByRole('row')
      .filter({ has: this.page.getByRole('cell', { name: new RegExp(`^${name}\\b`) }) });
  }

  async newPolicy(): Promise<AccessPolicyEditor> {
    await this.newPolicyButton().click();
    const editor = new AccessPolicyEditor(this.page, /^(New access policy|新建访问策略)$/);
    await expect(editor.dialog).toBeVisible();
    return editor;
  }

  /** Deletes a policy from its row and answers the question that follows. */
  async deletePolicy(name: string): Promise<void> {
    await this.policyRow(name)
      .getByRole('button', { name: `Delete ${name}`, exact: true })
      .click();
    await this.page.getByRole('tooltip').getByRole('button', { name: 'Delete', exact: true }).click();
  }
}

/** The access-policy drawer: name, action, rules (sources, operations, conditions), preview. */
export class AccessPolicyEditor {
  readonly dialog: Locator;

  constructor(
    readonly page: Page,
    title: RegExp,
  ) {
    this.dialog = page.getByRole('dialog', { name: title });
  }

  name(): Locator {
    return this.dialog.getByRole('textbox', { name: 'Name', exact: true });
  }

  action(action: 'ALLOW' | 'DENY' | 'AUDIT'): Locator {
    return this.dialog.getByRole('radiogroup', { name: 'Action' }).getByRole('radio', { name: action });
  }

  /** Rule n (from 1): a group of its own, so its fields keep their short names. */
  rule(n: number): Locator {
    return this.dialog.getByRole('group', { name: `Rule ${n}`, exact: true });
  }

  /** Adds values to a list field of a rule ("Namespaces", "Principals", "Methods", "Paths", "Ports"). */
  async addValues(rule: number, field: string, values: string[]): Promise<void> {
    const input = this.rule(rule).getByRole('combobox', { name: field, exact: true });
    for (const value of values) {
      await input.fill(value);
      await input.press('Enter');
    }
  }

  button(name: string): Locator {
    return this.dialog.getByRole('button', { name, exact: true });
  }

  preview(): Locator {
    return this.dialog.getByRole('region', { name: 'Preview' });
  }

  previewYaml(name: string): Locator {
    return this.preview().getByLabel(`YAML of AuthorizationPolicy ${name}`);
  }

  /** The observed callers the preview says the change would refuse, one item each. */
  refused(): Locator {
    return this.dialog.getByRole('list', { name: 'Refused callers' }).getByRole('listitem');
  }
}

/**
 * The topology page as far as transport security goes: the canvas draws a lock on each edge whose
 * requests came over mutual TLS (and names those edges in `data-mtls-edges`, for what cannot read a
 * canvas), and the side panel of a node lists its callers, each with the same mark as an image
 * named "mTLS", "plaintext" or "partly mTLS, partly plaintext".
 */
export class TopologySecurity {
  constructor(readonly page: Page) {}

  canvas(): Locator {
    return this.page.getByTestId('topology-canvas');
  }

  /** Opens the graph with its filters in the address (e.g. `?graph=app&namespace=bookinfo`). */
  async open(query: string): Promise<void> {
    await this.page.goto(`/topology${query}`);
    // A lazy chunk with G6 in it, then the layout: over 10 s on two loaded cores (topology.spec.ts).
    await expect(this.canvas()).toHaveAttribute('data-ready', 'true', {
      timeout: 30_000,
    });
  }

  /** Finds a node and picks it from the results, as a click on it in the graph does. */
  async pick(name: string, namespace: string): Promise<Locator> {
    await this.page.getByRole('searchbox', { name: 'Find' }).fill(name);
    await this.page
      .getByRole('region', { name: 'Nodes found' })
      .getByRole('listitem')
      .filter({ hasText: `· ${namespace}` })
      .getByRole('button', { name, exact: true })
      .click();
    const panel = this.page.getByRole('dialog', { name });
    await expect(panel).toBeVisible();
    return panel;
  }

  /** The mark of the edge from `caller` in a node's panel ("Called by"). */
  callerMark(panel: Locator, caller: string): Locator {
    return panel
      .getByRole('region', { name: 'Called by' })
      .getByRole('listitem')
      .filter({ has: this.page.getByRole('button', { name: caller, exact: true }) })
      .getByRole('img');
  }
}
