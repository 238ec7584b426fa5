// Recording in Chromium with a fake microphone: about 3 s in ambient mode,
// saved with an emotion, found with a duration of about 3 s, played, and
// seeked by clicking the waveform.
import { test, expect } from '@playwright/test';
import { failOnPageErrors, signUp, uniqueEmail, waitForHydration } from './helpers';

test.use({ geolocation: { latitude: 52.520008, longitude: 13.404954 }, permissions: ['microphone', 'geolocation'] });

test('record about 3 s, save it, and replay it from the waveform', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await signUp(page, uniqueEmail('rec'), 'correct horse battery', 'Recorder');
  await page.goto('/record');
  await waitForHydration(page);
  await expect(page.getByLabel('Ambient')).toBeChecked();

  await page.getByRole('button', { name: 'Start recording' }).click();
  await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible();
  // The level meter and the clock move while recording.
  await expect
    .poll(async () => Number(await page.getByTestId('level-meter').getAttribute('value')), { timeout: 5_000 })
    .toBeGreaterThan(0.01);
  // The clock shows 0:03 from 2.5 s on: stop at about 3 s.
  await expect(page.getByTestId('record-time')).toContainText(/^0:03 \//, { timeout: 6_000 });
  await page.waitForTimeout(400);
  await page.getByRole('button', { name: 'Stop' }).click();

  // Preview, then save with an emotion.
  const preview = page.getByTestId('take-preview');
  await expect(preview).toBeVisible();
  await page.locator('label', { hasText: /^Calm$/ }).click();
  await page.getByLabel(/^Title/).fill('Kitchen at night');
  // Where it was: asked for only now, and rounded to about 1 km.
  await page.getByLabel('Add where this was recorded').check();
  await expect(page.getByTestId('place-found')).toBeVisible();
  // A slow connection, so the save's progress bar is seen moving.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 8 * 1024 });
  await page.getByRole('button', { name: 'Save echo' }).click();
  await expect(page.getByText(/Saving… [1-9]\d?%/)).toBeVisible();
  await expect(page).toHaveURL(/\/echoes\/[0-9a-f-]{36}$/);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

  // The server measured the take (MediaRecorder's WebM has no duration of its own).
  const duration = Number(await page.getByTestId('player').getAttribute('data-duration-ms'));
  expect(duration).toBeGreaterThan(2_600);
  expect(duration).toBeLessThan(3_600);
  await expect(page.getByTestId('player-time')).toContainText(/\/ 0:0[3-4]/);
  await expect(page.getByTestId('echo-place')).toContainText('Recorded near 52.5200, 13.4000');

  // In the list with its length…
  const echoUrl = page.url();
  await page.goto('/echoes');
  const item = page.getByTestId('echo-list').locator('li', { hasText: 'Kitchen at night' });
  await expect(item.getByTestId('echo-duration')).toHaveText(/^0:0[3-4]$/);
  // …then played and seeked from the waveform.
  await page.goto(echoUrl);
  const player = page.getByTestId('player');
  await player.evaluate((audio: HTMLAudioElement) => audio.play());
  await expect.poll(() => player.evaluate((a: HTMLAudioElement) => a.currentTime)).toBeGreaterThan(0);
  const wave = page.getByTestId('waveform');
  const box = await wave.boundingBox();
  await page.mouse.click(box!.x + box!.width * 0.75, box!.y + box!.height / 2);
  await expect.poll(() => player.evaluate((a: HTMLAudioElement) => a.currentTime)).toBeGreaterThan(2);

  expect(errors, errors.join('\n')).toEqual([]);
});

test('a take not yet saved survives a reload and is forgotten once saved', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await signUp(page, uniqueEmail('keep'), 'correct horse battery', 'Keeper');
  await page.goto('/record');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Start recording' }).click();
  await expect(page.getByTestId('record-time')).toContainText(/^0:02 \//, { timeout: 6_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('take-preview')).toBeVisible();

  // The tab reloads (or crashes) before the take is saved…
  await page.reload();
  await waitForHydration(page);
  // …and the take is offered back.
  await expect(page.getByTestId('record-notice')).toContainText('Your unsaved recording from');
  await expect(page.getByTestId('take-preview')).toBeVisible();
  await page.locator('label', { hasText: /^Nostalgia$/ }).click();
  await page.getByLabel(/^Title/).fill('Kept across a reload');
  await page.getByRole('button', { name: 'Save echo' }).click();
  await expect(page).toHaveURL(/\/echoes\/[0-9a-f-]{36}$/);
  expect(Number(await page.getByTestId('player').getAttribute('data-duration-ms'))).toBeGreaterThan(1_200);

  // Saved on the server, so the browser's copy is gone.
  await page.goto('/record');
  await waitForHydration(page);
  await expect(page.getByRole('button', { name: 'Start recording' })).toBeVisible();
  await expect(page.getByTestId('record-notice')).toHaveCount(0);
  expect(errors, errors.join('\n')).toEqual([]);
});

test('a recording cut off by a reload is offered back from its stored chunks', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await signUp(page, uniqueEmail('crash'), 'correct horse battery', 'Crasher');
  await page.goto('/record');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Start recording' }).click();
  // Reload while still recording: only the one-second chunks are stored.
  await expect(page.getByTestId('record-time')).toContainText(/^0:03 \//, { timeout: 6_000 });
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId('record-notice')).toContainText('Your unsaved recording from');
  await expect(page.getByTestId('take-preview')).toBeVisible();
  await page.locator('label', { hasText: /^Fear$/ }).click();
  await page.getByRole('button', { name: 'Save echo' }).click();
  await expect(page).toHaveURL(/\/echoes\/[0-9a-f-]{36}$/);
  // At least the two whole seconds before the reload survived.
  expect(Number(await page.getByTestId('player').getAttribute('data-duration-ms'))).toBeGreaterThan(1_800);
  expect(errors, errors.join('\n')).toEqual([]);
});
