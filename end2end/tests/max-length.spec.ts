// A take stops by itself at the configured maximum (2 s in this deployment)
// and is kept whole, ready to save.
import { test, expect } from '@playwright/test';
import { failOnPageErrors, signUp, uniqueEmail, waitForHydration } from './helpers';

test('recording stops cleanly at the maximum length', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await signUp(page, uniqueEmail('max'), 'correct horse battery', 'Max');
  await page.goto('/record');
  await waitForHydration(page);
  await expect(page.getByTestId('record-time')).toHaveText('0:00 / 0:02');
  await page.getByRole('button', { name: 'Start recording' }).click();
  // No one presses stop: the preview appears by itself.
  await expect(page.getByTestId('take-preview')).toBeVisible({ timeout: 6_000 });
  await expect(page.getByRole('button', { name: 'Stop' })).toHaveCount(0);
  await page.locator('label', { hasText: /^Surprise$/ }).click();
  await page.getByRole('button', { name: 'Save echo' }).click();
  await expect(page).toHaveURL(/\/echoes\/[0-9a-f-]{36}$/);
  const duration = Number(await page.getByTestId('player').getAttribute('data-duration-ms'));
  expect(duration).toBeGreaterThan(1_700);
  expect(duration).toBeLessThan(2_600);
  expect(errors, errors.join('\n')).toEqual([]);
});
