// The UX pass: local time, every field's error at once (with and without
// JavaScript), flash messages, the browser's own upload checks, double
// clicks, "Log in instead?", and the header on a phone.
import { test, expect, Browser, Page } from '@playwright/test';
import { failOnPageErrors, signUp, uniqueEmail, uploadEcho, waitForHydration, wavTone } from './helpers';

async function signedUpIn(browser: Browser, opts: Parameters<Browser['newContext']>[0] = {}) {
  const context = await browser.newContext(opts);
  const page = await context.newPage();
  const errors = failOnPageErrors(page);
  const email = uniqueEmail('ux');
  await signUp(page, email, 'correct horse battery', 'Ux Person');
  return { context, page, errors, email };
}

/** The zone the account keeps, as the account page's list shows it. */
async function keptZone(page: Page): Promise<string> {
  await page.goto('/account');
  return page.locator('#time_zone').inputValue();
}

test('times are the person’s local time, taken from the browser and changeable', async ({ browser }) => {
  const { context, page, errors } = await signedUpIn(browser, { timezoneId: 'Africa/Cairo' });
  // The browser's zone is kept on the first visit.
  await expect.poll(() => keptZone(page)).toBe('Africa/Cairo');

  // "When was it?" is local and defaults to now (in Cairo, UTC+2).
  await page.goto('/upload');
  await waitForHydration(page);
  const shown = await page.getByLabel('When was it?').inputValue();
  const cairoNow = new Date(Date.now() + 2 * 3600_000).toISOString().slice(0, 13);
  expect(shown.slice(0, 13)).toBe(cairoNow);

  // 01:30 on 22 Nov in Cairo is 23:30 UTC on the 21st.
  await page.getByLabel('Audio file').setInputFiles({ name: 'late.wav', mimeType: 'audio/wav', buffer: wavTone(1) });
  await page.locator('label', { hasText: /^Calm$/ }).click();
  await page.getByLabel(/^Title/).fill('Late call');
  await page.getByLabel('When was it?').fill('2025-11-22T01:30');
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page).toHaveURL(/\/echoes\/[0-9a-f-]{36}$/);
  const echoUrl = page.url();
  const moment = page.locator('.echo-detail time');
  await expect(moment).toHaveAttribute('datetime', '2025-11-21T23:30:00Z');
  await expect(moment).toHaveText('22 Nov 2025, 01:30');

  // The same echo for a person in New York (UTC−5): still the 21st.
  await page.goto('/account');
  await page.locator('#time_zone').selectOption('America/New_York');
  await page.getByRole('button', { name: 'Save time zone' }).click();
  await expect(page.getByText('Time zone saved.')).toBeVisible();
  await page.goto(echoUrl);
  await expect(page.locator('.echo-detail time')).toHaveText('21 Nov 2025, 18:30');
  // The list reads it the same way (older than a week: the date).
  await page.goto('/echoes');
  const listed = page.getByTestId('echo-list').locator('time');
  await expect(listed).toHaveText('21 Nov 2025, 18:30');
  await expect(listed).toHaveAttribute('title', '21 Nov 2025, 18:30');
  expect(errors).toEqual([]);
  await context.close();
});

test('a fresh echo reads relatively, with the exact time on focus', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await signUp(page, uniqueEmail('relative'), 'correct horse battery', 'Relative');
  await uploadEcho(page, { title: 'Just now', emotion: 'Joy' });
  await page.goto('/echoes');
  const time = page.getByTestId('echo-list').locator('time');
  await expect(time).toHaveText(/^(just now|1 minute ago)$/);
  await time.focus();
  const exact = await time.getAttribute('data-exact');
  expect(exact).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/);
  expect(errors).toEqual([]);
});

test('sign-up says what is wrong with every field at once, with and without JavaScript', async ({ browser }) => {
  for (const javaScriptEnabled of [true, false]) {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await page.goto('/signup');
    if (javaScriptEnabled) await waitForHydration(page);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect(page.locator('#display_name-error')).toBeVisible();
    await expect(page.locator('#email-error')).toBeVisible();
    await expect(page.locator('#password-error')).toBeVisible();
    await context.close();
  }
});

test('"Log in instead?" is a link that carries the email over', async ({ browser }) => {
  const { context, email } = await signedUpIn(browser);
  await context.close();
  const page = await browser.newPage();
  await page.goto('/signup');
  await waitForHydration(page);
  await page.getByLabel('Your name').fill('Twice');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('link', { name: 'Log in instead?' }).click();
  await expect(page).toHaveURL(/\/login\?/);
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await page.close();
});

test('the upload form names the missing file and emotion together, with and without JavaScript', async ({ browser }) => {
  for (const javaScriptEnabled of [true, false]) {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await signUpWithoutWaiting(page);
    await page.goto('/upload');
    if (javaScriptEnabled) await waitForHydration(page);
    await page.getByRole('button', { name: 'Upload' }).click();
    await expect(page.locator('#audio-error')).toHaveText('Choose an audio file to upload.');
    await expect(page.locator('#emotion-error')).toHaveText('Choose the emotion this echo carries.');
    await context.close();
  }
});

/** Signs up through the form, JavaScript or not. */
async function signUpWithoutWaiting(page: Page) {
  await page.goto('/signup');
  await page.getByLabel('Your name').fill('Form Person');
  await page.getByLabel('Email').fill(uniqueEmail('form'));
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page).toHaveURL(/\/echoes$/);
}

test('a 30 MB file is refused in the browser before any byte is sent', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await signUp(page, uniqueEmail('big'), 'correct horse battery', 'Big File');
  await page.goto('/upload');
  await waitForHydration(page);
  const posts: string[] = [];
  page.on('request', (r) => {
    // Anything that would carry the file: the form's POST, a presigned PUT.
    if (r.method() !== 'GET' && !r.url().includes('/_fn/accounts/')) posts.push(`${r.method()} ${r.url()}`);
  });
  await page.getByLabel('Audio file').setInputFiles({
    name: 'huge.wav',
    mimeType: 'audio/wav',
    buffer: Buffer.alloc(30 * 1024 * 1024, 1),
  });
  await page.locator('label', { hasText: /^Calm$/ }).click();
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.locator('#audio-error')).toHaveText('The file is larger than the 25 MiB limit.');
  // Not audio by its name is refused the same way.
  await page.getByLabel('Audio file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hi') });
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.locator('#audio-error')).toContainText('not audio');
  expect(posts).toEqual([]);
  expect(errors).toEqual([]);
});

test('a double click on Upload makes one echo, and a flash says it was saved', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await signUp(page, uniqueEmail('double'), 'correct horse battery', 'Double Click');
  await page.goto('/upload');
  await waitForHydration(page);
  await page.getByLabel('Audio file').setInputFiles({ name: 'once.wav', mimeType: 'audio/wav', buffer: wavTone(2) });
  await page.locator('label', { hasText: /^Love$/ }).click();
  await page.getByLabel(/^Title/).fill('Only once');
  await page.getByRole('button', { name: 'Upload' }).dblclick();
  await expect(page).toHaveURL(/\/echoes\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('flash')).toHaveText('Echo saved.');
  await page.goto('/echoes');
  await expect(page.getByTestId('echo-list').getByRole('link', { name: 'Only once' })).toHaveCount(1);
  // One-shot: gone on the next page.
  await expect(page.getByTestId('flash')).toHaveText('');
  expect(errors).toEqual([]);
});

test('flash messages after delete, log-out and log-in, with and without JavaScript', async ({ browser }) => {
  // With JavaScript: delete, then log out.
  const { context, page, errors, email } = await signedUpIn(browser);
  await uploadEcho(page, { title: 'Short lived', emotion: 'Fear' });
  await page.getByText('Delete this echo').click();
  await page.getByRole('button', { name: 'Delete permanently' }).click();
  await expect(page).toHaveURL(/\/echoes$/);
  await expect(page.getByRole('status').filter({ hasText: 'Echo deleted.' })).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('flash')).toHaveText('');
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByTestId('flash')).toHaveText('You are logged out. See you soon.');
  expect(errors).toEqual([]);
  await context.close();

  // Without: log in, then log out.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const noJs = await plain.newPage();
  await noJs.goto('/login');
  await noJs.getByLabel('Email').fill(email);
  await noJs.getByLabel('Password').fill('correct horse battery');
  await noJs.getByRole('button', { name: 'Log in' }).click();
  await expect(noJs).toHaveURL(/\/echoes$/);
  await expect(noJs.getByTestId('flash')).toHaveText('You are logged in.');
  await noJs.goto('/echoes');
  await expect(noJs.getByTestId('flash')).toHaveText('');
  await noJs.getByRole('button', { name: 'Log out' }).click();
  await expect(noJs.getByTestId('flash')).toHaveText('You are logged out. See you soon.');
  await plain.close();
});

test('the header fits a phone on one line, the same height signed in and out', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors = failOnPageErrors(page);
  await page.goto('/');
  await waitForHydration(page);
  const signedOut = (await page.locator('.site-header').boundingBox())!.height;
  await signUp(page, uniqueEmail('phone'), 'correct horse battery', 'A Rather Long Display Name');
  await waitForHydration(page);
  const signedIn = (await page.locator('.site-header').boundingBox())!.height;
  expect(signedOut).toBeLessThanOrEqual(60);
  expect(signedIn).toBe(signedOut);
  // The main links sit in a bar at the bottom, marking the page you are on.
  const bar = page.getByRole('navigation', { name: 'Main' });
  const box = (await bar.boundingBox())!;
  expect(box.y + box.height).toBeCloseTo(844, 0);
  expect(box.height).toBeLessThanOrEqual(64);
  await expect(bar.getByRole('link', { name: 'My echoes' })).toHaveAttribute('aria-current', 'page');
  // The list's emotion badge keeps its size.
  await uploadEcho(page, { title: 'Pocket', emotion: 'Calm' });
  await page.goto('/echoes');
  const badge = (await page.getByTestId('echo-list').locator('.badge').first().boundingBox())!;
  expect(badge.width).toBeLessThan(120);
  expect(errors).toEqual([]);
  await context.close();
});

test('the landing page shows what Echoes is and plays its sample', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await page.goto('/');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Keep the sound of a moment.');
  await expect(page.getByRole('heading', { name: 'Eight emotions' })).toBeVisible();
  await expect(page.locator('.emotion-grid li')).toHaveCount(8);
  const sample = page.getByTestId('sample-echo');
  await sample.getByRole('button', { name: /Play/ }).click();
  await expect.poll(() => sample.locator('audio').evaluate((a: HTMLAudioElement) => a.currentTime)).toBeGreaterThan(0.2);
  expect(errors).toEqual([]);
});
