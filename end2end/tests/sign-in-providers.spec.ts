// Signing in through providers in a real Chromium, against the real test
// providers the config starts: "Continue with Test OIDC" ends signed in;
// a second provider is linked on the account page; another session is
// signed out from there; the data is exported and the account deleted.
import { test, expect, Browser, Page } from '@playwright/test';
import { failOnPageErrors, uniqueEmail, uploadEcho, waitForHydration } from './helpers';

/** At the OIDC provider: signs in as `email`, unless it remembers this
 *  browser (as real providers do) and sends it straight back to `back`. */
async function atOidcProvider(page: Page, email: string, back: RegExp) {
  const form = page.getByRole('heading', { name: 'Sign in to the test provider' });
  await Promise.race([form.waitFor(), page.waitForURL(back)]);
  if (await form.isVisible()) {
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await expect(page).toHaveURL(back);
}

async function continueWithOidc(page: Page, email: string) {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByRole('link', { name: 'Continue with Test OIDC' }).click();
  await atOidcProvider(page, email, /\/echoes$/);
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
}

async function newPage(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  return { context, page, errors: failOnPageErrors(page) };
}

test('sign in with a provider, link another, end a session, export, delete', async ({ page, browser }) => {
  const errors = failOnPageErrors(page);
  const email = uniqueEmail('oidc');

  // A first sign-in makes the account.
  await continueWithOidc(page, email);
  await uploadEcho(page, { title: 'Rain on the roof', emotion: 'Calm' });

  // Link the GitHub-shaped provider from the account page.
  await page.goto('/account');
  await waitForHydration(page);
  await page.getByRole('link', { name: 'Link Test GitHub' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to the test OAuth provider' })).toBeVisible();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Authorize' }).click();
  await expect(page).toHaveURL(/\/account$/);
  const linked = page.getByTestId('linked-sign-in');
  await expect(linked).toHaveCount(2);
  await expect(linked.filter({ hasText: 'Test GitHub' })).toBeVisible();

  // A second browser signs in too; the first one signs it out.
  const other = await newPage(browser);
  await continueWithOidc(other.page, email);
  await page.reload();
  await waitForHydration(page);
  const devices = page.getByTestId('device');
  await expect(devices).toHaveCount(2);
  await expect(devices.filter({ hasText: 'this device' })).toHaveCount(1);
  await devices.filter({ hasNotText: 'this device' }).getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByTestId('device')).toHaveCount(1);
  await other.page.goto('/account');
  // Sent to log in, to come back to the account page after.
  await expect(other.page).toHaveURL(/\/login\?next=%2Faccount$/);
  expect(other.errors).toEqual([]);
  await other.context.close();

  // Export: a ZIP with the audio and echoes.json.
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download everything' }).click();
  const zip = await (await download).createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of zip) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  expect(bytes.subarray(0, 2).toString()).toBe('PK');
  expect(bytes.includes(Buffer.from('echoes.json'))).toBe(true);
  expect(bytes.includes(Buffer.from('Rain on the roof'))).toBe(true);

  // Delete: no password, so confirm it's you with a provider first.
  await page.goto('/account');
  await waitForHydration(page);
  await page.locator('#delete').getByRole('link', { name: 'Test OIDC' }).click();
  await atOidcProvider(page, email, /\/account#delete$/);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page).toHaveURL(/\/(\?deleted=1)?$/);
  await expect(page.getByRole('link', { name: 'Log in' }).first()).toBeVisible();

  // The account is gone: signing in again makes a new, empty one.
  await continueWithOidc(page, email);
  await expect(page.getByText('Rain on the roof')).toHaveCount(0);
  expect(errors).toEqual([]);
});
