import type { Locator, Page } from '@playwright/test';

export type LanguageName = 'English' | '中文';

/** What every page of the console has: the navigation and the language switch. */
export class ConsoleShell {
  constructor(readonly page: Page) {}

  navigation(): Locator {
    return this.page.getByRole('navigation', { name: /^(Main navigation|主导航)$/ });
  }

  /** The language menu button; its name says the current language ("Language: English"). */
  languageButton(): Locator {
    return this.page.getByRole('button', { name: /^(Language|语言)[:：]/ });
  }

  async switchLanguage(language: LanguageName): Promise<void> {
    await this.languageButton().click();
    await this.page.getByRole('menuitem', { name: language, exact: true }).click();
  }
}
