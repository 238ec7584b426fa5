// A microphone the page may not use is explained (Chromium's real prompt,
// dismissed because nothing grants it).
import { test, expect } from '@playwright/test';
import { failOnPageErrors, signUp, uniqueEmail, waitForHydration } from './helpers';

test('a denied microphone is explained', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await signUp(page, uniqueEmail('denied'), 'correct horse battery', 'Denied');
  await page.goto('/record');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Start recording' }).click();
  await expect(page.getByTestId('record-problem')).toContainText('Echoes may not use the microphone.');
  await expect(page.getByRole('button', { name: 'Start recording' })).toBeVisible();
  expect(errors, errors.join('\n')).toEqual([]);
});
