// axe-core on every page — signed out, signed in, with errors shown — in
// light and dark, at 390 px and at 1280 px: zero violations.
import { test, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnPageErrors, makeAdmin, signUp, totp, uniqueEmail, uploadEcho, waitForHydration } from './helpers';

const viewports = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
];
const schemes = ['light', 'dark'] as const;

async function audit(page: Page, what: string) {
  await waitForHydration(page);
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  const found = results.violations.map(
    (v) => `${what}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`,
  );
  expect(found, found.join('\n')).toEqual([]);
}

for (const viewport of viewports) {
  for (const colorScheme of schemes) {
    test(`axe finds nothing at ${viewport.width} px, ${colorScheme}`, async ({ browser }) => {
      test.setTimeout(120_000);
      const context = await browser.newContext({ viewport, colorScheme });
      const page = await context.newPage();
      const errors = failOnPageErrors(page);
      const at = `${viewport.width}px ${colorScheme}`;

      for (const path of ['/', '/login', '/signup', '/forgot-password', '/login/code', '/reset-password?token=nope',
        '/verify-email?token=nope', '/auth/failed', '/no-such-page']) {
        await page.goto(path);
        await audit(page, `${at} ${path} (signed out)`);
      }
      // Errors shown.
      await page.goto('/signup');
      await waitForHydration(page);
      await page.getByRole('button', { name: 'Sign up' }).click();
      await expect(page.locator('#email-error')).toBeVisible();
      await audit(page, `${at} /signup with errors`);

      await signUp(page, uniqueEmail('axe'), 'correct horse battery', 'Axe Person');
      await uploadEcho(page, { title: 'Audited', emotion: 'Nostalgia' });
      const echo = new URL(page.url()).pathname;
      for (const path of ['/', '/?emotion=nostalgia', '/echoes', echo, '/upload', '/record', '/account', '/change-email',
        '/echoes/00000000-0000-0000-0000-000000000000']) {
        await page.goto(path);
        await audit(page, `${at} ${path}`);
      }
      await page.goto('/upload');
      await waitForHydration(page);
      await page.getByRole('button', { name: 'Upload' }).click();
      await expect(page.locator('#audio-error')).toBeVisible();
      await audit(page, `${at} /upload with errors`);
      // The 4xx are asked for above: the empty sign-up form's 422, the
      // pages for a bad link, a missing page and a missing echo.
      expect(errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
      await context.close();
    });
  }
}

// The pages behind a role or a step, and the forms that go wrong: the admin
// page (as an admin), the account page (with its email and password forms
// showing their errors, and two-step set-up under way), the log-in form
// refusing a wrong password, and the second step of a log-in, before and
// after a wrong code.
for (const viewport of viewports) {
  for (const colorScheme of schemes) {
    test(`axe finds nothing on the admin, account, log-in error and two-step pages at ${viewport.width} px, ${colorScheme}`, async ({ browser }) => {
      test.setTimeout(120_000);
      const context = await browser.newContext({ viewport, colorScheme });
      const page = await context.newPage();
      const errors = failOnPageErrors(page);
      const at = `${viewport.width}px ${colorScheme}`;
      const email = uniqueEmail('axe-more');
      const password = 'correct horse battery';
      await signUp(page, email, password, 'Axe Admin');

      await page.goto('/account');
      await audit(page, `${at} /account`);
      // The email form, wrong: no address, no password.
      await page.getByRole('button', { name: 'Change my email address' }).click();
      await expect(page.locator('#new_email-error')).toBeVisible();
      await audit(page, `${at} /account with the email form's errors`);
      // The password form, wrong: the current password is not it, the new one too short.
      await page.goto('/account');
      await waitForHydration(page);
      await page.locator('#current_password').fill('not the password');
      await page.locator('#new_password').fill('short');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.locator('#new_password-error, #current_password-error').first()).toBeVisible();
      await audit(page, `${at} /account with the password form's errors`);
      // Two-step sign-in being set up (the QR code and its secret shown).
      await page.goto('/account');
      await waitForHydration(page);
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
      const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s/g, '');
      await audit(page, `${at} /account setting up two-step sign-in`);
      await page.getByLabel('Code from the app').fill(totp(secret));
      await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
      await expect(page.getByTestId('recovery-codes').getByRole('listitem')).toHaveCount(10);
      await audit(page, `${at} /account with recovery codes`);

      // The admin page, as an admin: the list, then a search.
      await makeAdmin(email);
      await page.goto('/admin');
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await audit(page, `${at} /admin`);
      await page.getByLabel('Find by email or name').fill(email);
      await page.getByRole('button', { name: 'Search' }).click();
      await expect(page.locator(`[data-testid="user-item"][data-email="${email}"]`)).toHaveCount(1);
      await audit(page, `${at} /admin with a search`);

      // Logged out: a wrong password, then the second step, then a wrong code.
      await page.getByRole('button', { name: 'Log out' }).click();
      await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' })).toBeVisible();
      await page.goto('/login');
      await waitForHydration(page);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect(page.getByRole('alert')).toHaveText('That email and password do not match an account.');
      await audit(page, `${at} /login with a wrong password`);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect(page).toHaveURL(/\/login\/two-factor$/);
      await audit(page, `${at} /login/two-factor`);
      await page.getByLabel('Code', { exact: true }).fill('000000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.locator('#code-error')).toBeVisible();
      await audit(page, `${at} /login/two-factor with a wrong code`);

      // The 4xx are asked for above: the forms' 422s and 401s.
      expect(errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
      await context.close();
    });
  }
}
