// Log in and upload work before (and without) the WASM: plain form posts.
import { test, expect } from '@playwright/test';
import { signUp, uniqueEmail, uploadEcho } from './helpers';

test.use({ javaScriptEnabled: false });

test('sign up, log out, log in and upload with JavaScript disabled', async ({ page }) => {
  const email = uniqueEmail('nojs');
  await signUp(page, email, 'correct horse battery', 'No Script');
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' })).toBeVisible();

  // A wrong password comes back to the form with the message next to it.
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('That email and password do not match an account.');

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/echoes$/);

  await uploadEcho(page, { title: 'Written without script', emotion: 'Nostalgia' });
  await expect(page.getByTestId('player')).toHaveAttribute('src', /\/echoes\/[0-9a-f-]{36}\/audio$/);

  // A non-audio file is refused with the reason next to the file field.
  await page.goto('/upload');
  await page.getByLabel('Audio file').setInputFiles({ name: 'fake.mp3', mimeType: 'audio/mpeg', buffer: Buffer.from('not audio') });
  await page.locator('label', { hasText: /^Joy$/ }).click();
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.locator('#audio-error')).toContainText('not audio Echoes can keep');
});
