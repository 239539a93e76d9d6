import { expectAccessible, OPEN_DIALOG } from './a11y';
import { expect, test } from './fixtures';

test('an admin sees the accounts of the users file and opens the Add user form', async ({ page }) => {
  await page.goto('/admin/users');
  const users = page.getByRole('region', { name: 'Local users' });
  // The three accounts playwright.config.ts writes.
  for (const name of ['admin', 'operator', 'viewer']) {
    await expect(users.getByRole('row').filter({ hasText: name }).first()).toBeVisible();
  }
  await expect(users.getByRole('button', { name: 'Delete viewer' })).toBeVisible();
  await expectAccessible(page, 'the users page');

  await users.getByRole('button', { name: 'Add user' }).click();
  const form = page.getByRole('dialog', { name: 'Add user' });
  await expect(form.getByRole('textbox', { name: 'User name' })).toBeVisible();
  await expectAccessible(page, 'the Add user form', { include: OPEN_DIALOG });
  await form.getByRole('button', { name: 'Cancel' }).click();
  await expect(form).toBeHidden();
});
