import { expect } from '@playwright/test';
import type { Locator, Page } from '@playwright/test';

/** /signin: the user name and password form. */
export class SignInPage {
  constructor(readonly page: Page) {}

  heading(): Locator {
    return this.page.getByRole('heading', { name: /^(Sign in|登录)$/ });
  }

  userName(): Locator {
    return this.page.getByLabel(/^(User name|用户名)$/);
  }

  password(): Locator {
    return this.page.getByLabel(/^(Password|密码)$/);
  }

  submit(): Locator {
    return this.page.getByRole('button', { name: /^(Sign in|登录)$/ });
  }

  async signIn(user: string, password: string): Promise<void> {
    await expect(this.heading()).toBeVisible();
    await this.userName().fill(user);
    await this.password().fill(password);
    await this.submit().click();
  }
}

/** The header's account menu. */
export class AccountMenu {
  constructor(readonly page: Page) {}

  button(): Locator {
    return this.page.getByRole('button', { name: /^(Account|账号)[:：]/ });
  }

  async signOut(): Promise<void> {
    await this.button().click();
    await this.page.getByRole('menuitem', { name: /^(Sign out|退出登录)$/ }).click();
  }
}
