// The account page: rename yourself, make a personal access token (shown
// once), see it listed, use it, revoke it.
import { test, expect } from '@playwright/test';
import { failOnPageErrors, signUp, uniqueEmail, waitForHydration } from './helpers';

test('a personal token is made on the account page, works, and is revoked', async ({ page, request }) => {
  const errors = failOnPageErrors(page);
  await signUp(page, uniqueEmail('account'), 'correct horse battery', 'Token Maker');
  await page.getByTestId('signed-in-as').click();
  await expect(page).toHaveURL(/\/account$/);
  await waitForHydration(page);

  await page.getByLabel('Name shown in Echoes').fill('Token Keeper');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('signed-in-as')).toHaveText('Token Keeper');

  await page.getByLabel('What will use it').fill('Backup script');
  await page.getByRole('button', { name: 'Make a token' }).click();
  const secret = (await page.getByTestId('token-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^echo_pat_/);
  await expect(page.getByTestId('token-list')).toContainText('Backup script');
  await expect(page.getByTestId('token-list')).not.toContainText(secret);

  const me = await request.get('/api/v1/auth/me', { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).display_name).toBe('Token Keeper');

  await page.getByTestId('token-list').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByText('No tokens yet.')).toBeVisible();
  const after = await request.get('/api/v1/auth/me', { headers: { Authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);
  expect(errors).toEqual([]);
});
