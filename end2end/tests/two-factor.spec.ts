// Two-step sign-in in a real Chromium: set up an authenticator app from the
// account page (the code computed here from the secret it shows, as an app
// would), keep the recovery codes, then log out and log in with both steps.
import { test, expect } from '@playwright/test';
import { failOnPageErrors, signUp, totp, uniqueEmail, waitForHydration } from './helpers';

test('turn on two-step sign-in, then log in with the password and a code', async ({ page }) => {
  const errors = failOnPageErrors(page);
  const email = uniqueEmail('totp');
  await signUp(page, email, 'a long enough password', 'Two Steps');

  await page.goto('/account');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
  const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s/g, '');
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);

  await page.getByLabel('Code from the app').fill('000000');
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page.locator('#code-error')).toContainText('not right');
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page.getByTestId('recovery-codes').getByRole('listitem')).toHaveCount(10);
  await expect(page.getByTestId('two-factor-on')).toContainText('10 recovery codes left');

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/login\/two-factor$/);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' })).toBeVisible();

  // The next step's code: the one used to turn it on is spent.
  await page.getByLabel('Code', { exact: true }).fill(totp(secret, 30));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/echoes$/);
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
  // The one wrong code above was answered 401, which Chromium logs; nothing else.
  expect(errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
  expect(errors.length).toBeLessThanOrEqual(1);
});
