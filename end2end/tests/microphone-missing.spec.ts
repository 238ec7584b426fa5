// No microphone at all is explained (Chromium with no capture device).
import { test, expect } from '@playwright/test';
import { failOnPageErrors, signUp, uniqueEmail, waitForHydration } from './helpers';

test.use({ permissions: ['microphone'] });

test('a missing microphone is explained', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await signUp(page, uniqueEmail('nodevice'), 'correct horse battery', 'No Device');
  await page.goto('/record');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Start recording' }).click();
  await expect(page.getByTestId('record-problem')).toContainText('No microphone was found.');
  expect(errors, errors.join('\n')).toEqual([]);
});
