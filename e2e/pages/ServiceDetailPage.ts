import type { Locator } from '@playwright/test';
import { ConsoleShell } from './ConsoleShell';

export class ServiceDetailPage extends ConsoleShell {
  tab(name: string | RegExp): Locator {
    return this.page.getByRole('tab', { name });
  }

  /** The table of provider instances on the Providers tab. */
  instancesTable(): Locator {
    return this.page.getByRole('region', { name: /^(Instances|实例)$/ }).getByRole('table');
  }

  instanceRows(version: string): Locator {
    return this.instancesTable()
      .getByRole('row')
      .filter({ has: this.page.getByRole('cell', { name: version, exact: true }) });
  }
}
