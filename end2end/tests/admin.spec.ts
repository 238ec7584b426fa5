// An admin disables an account on the admin page; that person's next page
// load is signed out. Non-admins never see the page (404).
import { test, expect, Browser } from '@playwright/test';
import { failOnPageErrors, makeAdmin, signUp, uniqueEmail, waitForHydration } from './helpers';

async function newPage(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  return { page, errors: failOnPageErrors(page) };
}

test('an admin disables an account and its next page load is signed out', async ({ browser }) => {
  const admin = await newPage(browser);
  const adminEmail = uniqueEmail('admin');
  await signUp(admin.page, adminEmail, 'correct horse battery', 'The Admin');

  const person = await newPage(browser);
  const personEmail = uniqueEmail('person');
  await signUp(person.page, personEmail, 'correct horse battery', 'Some Person');
  await expect(person.page.getByTestId('signed-in-as')).toHaveText('Some Person');

  // Not an admin yet: the page does not exist, for either of them.
  const hidden = await person.page.goto('/admin');
  expect(hidden?.status()).toBe(404);
  await expect(person.page.getByRole('heading', { name: 'Nothing echoes here' })).toBeVisible();
  // The browser logs that 404 as a failed load: expected here, and only here.
  expect(person.errors.every((e) => e.includes('status of 404'))).toBe(true);
  person.errors.length = 0;
  await person.page.goto('/echoes');
  await expect(person.page.getByTestId('signed-in-as')).toHaveText('Some Person');

  await makeAdmin(adminEmail);
  await admin.page.goto('/echoes');
  await admin.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(admin.page).toHaveURL(/\/admin$/);
  await waitForHydration(admin.page);
  await admin.page.getByLabel('Find by email or name').fill(personEmail);
  await admin.page.getByRole('button', { name: 'Search' }).click();
  const row = admin.page.locator(`[data-testid="user-item"][data-email="${personEmail}"]`);
  await expect(row).toHaveCount(1);
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(row.getByTestId('disabled')).toBeVisible();

  // The person's next page load: signed out.
  await person.page.reload();
  await expect(person.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' })).toBeVisible();
  await expect(person.page.getByTestId('signed-in-as')).toHaveCount(0);

  expect(admin.errors).toEqual([]);
  expect(person.errors).toEqual([]);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the admin page searches, disables and enables with plain forms', async ({ browser }) => {
    const admin = await newPage(browser);
    const adminEmail = uniqueEmail('nojs-admin');
    await signUp(admin.page, adminEmail, 'correct horse battery', 'Plain Admin');
    const person = await newPage(browser);
    const personEmail = uniqueEmail('nojs-person');
    await signUp(person.page, personEmail, 'correct horse battery', 'Plain Person');
    await makeAdmin(adminEmail);

    await admin.page.goto('/admin');
    await admin.page.getByLabel('Find by email or name').fill(personEmail);
    await admin.page.getByRole('button', { name: 'Search' }).click();
    await expect(admin.page).toHaveURL(/\/admin\?q=/);
    const row = admin.page.locator(`[data-testid="user-item"][data-email="${personEmail}"]`);
    await row.getByRole('button', { name: 'Disable' }).click();
    await expect(admin.page).toHaveURL(/\/admin$/);
    const again = admin.page.locator(`[data-testid="user-item"][data-email="${personEmail}"]`);
    await expect(again.getByTestId('disabled')).toBeVisible();
    await again.getByRole('button', { name: 'Enable' }).click();
    await expect(admin.page.locator(`[data-testid="user-item"][data-email="${personEmail}"]`).getByTestId('disabled')).toHaveCount(0);
    expect(admin.errors).toEqual([]);
  });
});
