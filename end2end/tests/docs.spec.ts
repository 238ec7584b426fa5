// The API's documentation renders in the browser, offline, under its CSP.
import { test, expect } from '@playwright/test';
import { failOnPageErrors } from './helpers';

test('/docs renders Swagger UI and lists the API', async ({ page }) => {
  const errors = failOnPageErrors(page);
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto('/docs/');
  await expect(page.getByRole('heading', { name: /Echoes API/ })).toBeVisible();
  for (const path of ['/auth/login', '/echoes/random', '/admin/users']) {
    await expect(page.locator(`.opblock-summary-path[data-path="${path}"]`).first()).toBeVisible();
  }
  const base = new URL(page.url()).origin;
  expect(requests.filter((url) => !url.startsWith(base) && !url.startsWith('data:'))).toEqual([]);
  expect(errors).toEqual([]);
});
