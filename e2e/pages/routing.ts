import { expect } from '@playwright/test';
import type { Locator, Page } from '@playwright/test';
import { ServiceDetailPage } from './ServiceDetailPage';

/** The Routes tab (服务路由) of a service: the rules table and the buttons that open the drawers. */
export class RoutesTab extends ServiceDetailPage {
  async open(serviceId: string): Promise<void> {
    await this.page.goto(`/services/${encodeURIComponent(serviceId)}?tab=routes`);
    await expect(this.tab(/^(Routes|服务路由)$/)).toHaveAttribute('aria-selected', 'true');
    await expect(this.addButton()).toBeVisible();
  }

  addButton(): Locator {
    return this.page.getByRole('button', { name: /^(Add routing rule|添加路由规则)$/ });
  }

  rulesTable(): Locator {
    return this.page.getByRole('region', { name: /^(Routing rules|路由规则)$/ }).getByRole('table');
  }

  ruleRow(name: string): Locator {
    return this.rulesTable()
      .getByRole('row')
      .filter({ has: this.page.getByRole('cell', { name, exact: true }) });
  }

  async add(): Promise<RouteEditor> {
    await this.addButton().click();
    const editor = new RouteEditor(this.page, /^(Add routing rule|添加路由规则)$/);
    await expect(editor.dialog).toBeVisible();
    return editor;
  }

  async edit(name: string): Promise<RouteEditor> {
    await this.page.getByRole('button', { name: `Edit ${name}`, exact: true }).click();
    const editor = new RouteEditor(this.page, /^(Edit routing rule|编辑路由规则)$/);
    await expect(editor.dialog).toBeVisible();
    return editor;
  }

  async history(name: string): Promise<RouteHistory> {
    await this.page.getByRole('button', { name: `History of ${name}`, exact: true }).click();
    const history = new RouteHistory(this.page, name);
    await expect(history.dialog).toBeVisible();
    return history;
  }

  /** The toast antd shows after a write. */
  notice(text: string | RegExp): Locator {
    return this.page.getByText(text);
  }
}

/** The add/edit drawer: the talk's 编辑路由规则 form, its preview and its buttons. */
export class RouteEditor {
  readonly dialog: Locator;

  constructor(
    readonly page: Page,
    title: RegExp,
  ) {
    this.dialog = page.getByRole('dialog', { name: title });
  }

  field(name: string): Locator {
    return this.dialog.getByRole('textbox', { name, exact: true });
  }

  versionSelect(row: number): Locator {
    return this.dialog.getByRole('combobox', { name: `Version, row ${row}` });
  }

  async chooseVersion(row: number, version: string): Promise<void> {
    await this.versionSelect(row).click();
    await this.page.getByRole('option', { name: version, exact: true }).click();
  }

  addVersionButton(): Locator {
    return this.dialog.getByRole('button', { name: 'Add version' });
  }

  weightInput(version: string): Locator {
    return this.dialog.getByRole('spinbutton', { name: `Weight of ${version}` });
  }

  weightSlider(version: string): Locator {
    return this.dialog.getByRole('slider', { name: `Weight of ${version}` });
  }

  /** Switches the row to manual input (切换为手动输入) if needed and types the weight. */
  async setWeight(version: string, weight: number): Promise<void> {
    const manual = this.dialog.getByRole('button', { name: `Switch to manual input for ${version}` });
    if (await manual.isVisible()) await manual.click();
    await this.weightInput(version).fill(String(weight));
  }

  total(): Locator {
    return this.dialog.getByRole('group', { name: 'Version weights' }).getByRole('status');
  }

  weightsRule(): Locator {
    return this.dialog.getByText('Weights must total 100%');
  }

  button(name: string): Locator {
    return this.dialog.getByRole('button', { name, exact: true });
  }

  preview(): Locator {
    return this.dialog.getByRole('region', { name: 'Preview' });
  }

  previewYaml(kind: string, name: string): Locator {
    return this.preview().getByLabel(`YAML of ${kind} ${name}`);
  }
}

/** The history drawer of one rule: revisions newest first, each with a rollback. */
export class RouteHistory {
  readonly dialog: Locator;

  constructor(
    readonly page: Page,
    readonly name: string,
  ) {
    this.dialog = page.getByRole('dialog', { name: `History of ${name}` });
  }

  revisions(): Locator {
    return this.dialog.getByRole('list', { name: 'Revisions' }).getByRole('listitem');
  }

  revision(n: number): Locator {
    return this.dialog.getByRole('listitem', { name: `Revision ${n}`, exact: true });
  }

  async rollBackTo(n: number): Promise<void> {
    await this.revision(n)
      .getByRole('button', { name: `Roll back to revision ${n}` })
      .click();
    await this.page.getByRole('button', { name: 'Roll back', exact: true }).click();
  }
}
