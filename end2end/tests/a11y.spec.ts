// axe-core on every page — signed out, signed in, with errors shown — in
// light and dark, at 390 px and at 1280 px: zero violations.
import { test, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { failOnPageErrors, signUp, uniqueEmail, uploadEcho, waitForHydration } from './helpers';

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
