import { expect } from '@playwright/test';
import type { Locator } from '@playwright/test';
import { ConsoleShell } from './ConsoleShell';

export class ServicesPage extends ConsoleShell {
  async open(): Promise<void> {
    await this.page.goto('/');
    await expect(this.page).toHaveURL(/\/services$/);
    await expect(this.heading()).toBeVisible();
  }

  heading(): Locator {
    return this.page.getByRole('heading', { name: /^(Services|服务)$/, level: 3 });
  }

  searchBox(): Locator {
    return this.page.getByRole('textbox', { name: /^(Search services|搜索服务)$/ });
  }

  serviceLink(id: string): Locator {
    return this.page.getByRole('link', { name: id, exact: true });
  }

  async search(text: string): Promise<void> {
    await this.searchBox().fill(text);
    await expect(this.page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(text)}`));
  }

  async openService(id: string): Promise<void> {
    await this.serviceLink(id).click();
    await expect(this.page).toHaveURL(new RegExp(`/services/${encodeURIComponent(id)}`));
  }
}
