// Mail in a real Chromium, through a real SMTP server (testkit/smtp) the
// story reads back: the confirmation link after sign-up makes the banner
// go; "forgot password" mails a link that sets a new one.
import { test, expect } from '@playwright/test';
import { failOnPageErrors, signUp, uniqueEmail, waitForHydration } from './helpers';

const smtpHttp = 'http://127.0.0.1:3194/messages';

async function mailTo(email: string, subject: string): Promise<{ text: string }> {
  for (let i = 0; i < 100; i++) {
    const messages: { to: string; subject: string; text: string }[] = await (await fetch(smtpHttp)).json();
    const found = messages.filter((m) => m.to.includes(email) && m.subject === subject).pop();
    if (found) return found;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no "${subject}" mail to ${email}`);
}

function linkIn(text: string, path: string): string {
  const match = text.match(new RegExp(`http://127\\.0\\.0\\.1:\\d+${path}\\?token=[\\w-]+`));
  if (!match) throw new Error(`no ${path} link in ${text}`);
  return match[0];
}

test('confirm the address from the mail, then reset a forgotten password', async ({ page }) => {
  const errors = failOnPageErrors(page);
  const email = uniqueEmail('mail');
  await signUp(page, email, 'first password here', 'Mail Person');
  await expect(page.getByTestId('verify-banner')).toBeVisible();

  const confirm = await mailTo(email, 'Confirm your email address for Echoes');
  await page.goto(linkIn(confirm.text, '/verify-email'));
  await expect(page.getByTestId('email-verified')).toBeVisible();
  await page.goto('/echoes');
  await waitForHydration(page);
  await expect(page.getByTestId('verify-banner')).toHaveCount(0);

  // Log out, forget the password, reset it from the mail.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByTestId('reset-sent')).toBeVisible();
  const reset = await mailTo(email, 'Reset your Echoes password');
  await page.goto(linkIn(reset.text, '/reset-password'));
  await waitForHydration(page);
  await page.getByLabel('New password').fill('second password here');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);
  await mailTo(email, 'Your Echoes password was changed');

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('second password here');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/echoes$/);
  expect(errors).toEqual([]);
});
