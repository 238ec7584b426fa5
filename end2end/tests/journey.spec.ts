// The first complete path, with the WASM hydrated: sign up → upload a real
// audio file → find it under its emotion → play it → delete it.
import { test, expect } from '@playwright/test';
import { failOnPageErrors, signUp, uniqueEmail, uploadEcho, waitForHydration } from './helpers';

const s3Port = 3190;

test('sign up, upload, filter by emotion, play and delete an echo', async ({ page }) => {
  const errors = failOnPageErrors(page);
  const home = await page.goto('/');
  // The page is served under a nonce-based CSP, and hydrates under it.
  const policy = home?.headers()['content-security-policy'] ?? '';
  expect(policy).toMatch(/script-src 'self' 'nonce-[\w-]{16,}' 'wasm-unsafe-eval'/);
  expect(policy).not.toContain('unsafe-inline');
  await waitForHydration(page);

  await signUp(page, uniqueEmail('journey'), 'correct horse battery', 'Journey Tester');
  await waitForHydration(page);
  await expect(page.getByTestId('signed-in-as')).toHaveText('Journey Tester');

  // The hydrated form sends the file itself, with a progress bar: slow the
  // upload down so the bar is seen moving. With S3 it goes straight to the bucket.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 256 * 1024,
  });
  const viaS3 = test.info().project.name === 's3';
  const sent = page.waitForRequest((r) =>
    viaS3 ? r.method() === 'PUT' && r.url().includes(`:${s3Port}/`) : r.method() === 'POST' && r.url().endsWith('/echoes'),
  );
  await page.goto('/upload');
  await waitForHydration(page);
  const uploaded = uploadEcho(page, { title: 'Harbour at dusk', emotion: 'Calm', seconds: 20, navigate: false });
  await expect(page.getByTestId('upload-progress')).toBeVisible();
  await expect(page.getByText(/Uploading… [1-9]\d?%/)).toBeVisible();
  await uploaded;
  await sent;
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await uploadEcho(page, { title: 'Birthday song', emotion: 'Joy' });

  // Filtering is a client-side navigation once hydrated: the page is not reloaded.
  await page.goto('/echoes');
  await waitForHydration(page);
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.getByRole('navigation', { name: 'Filter by emotion' }).getByRole('link', { name: 'Calm' }).click();
  await expect(page).toHaveURL(/\/echoes\?emotion=calm$/);
  const list = page.getByTestId('echo-list');
  await expect(list.getByRole('link', { name: 'Harbour at dusk' })).toBeVisible();
  await expect(list.getByRole('link', { name: 'Birthday song' })).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);

  // Play it for real: the audio streams through Range requests.
  await list.getByRole('link', { name: 'Harbour at dusk' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Harbour at dusk' })).toBeVisible();
  const player = page.getByTestId('player');
  await player.evaluate((audio: HTMLAudioElement) => audio.play());
  await expect
    .poll(() => player.evaluate((audio: HTMLAudioElement) => audio.currentTime), { timeout: 15_000 })
    .toBeGreaterThan(0);
  expect(await player.evaluate((audio: HTMLAudioElement) => audio.duration)).toBeCloseTo(20, 1);

  // The waveform player: the server's duration, seek by clicking the waveform,
  // space pauses, → jumps 5 s.
  await expect(page.getByTestId('player-time')).toContainText('/ 0:20');
  const wave = page.getByTestId('waveform');
  await expect(wave).toBeVisible();
  const box = await wave.boundingBox();
  await page.mouse.click(box!.x + box!.width * 0.5, box!.y + box!.height / 2);
  await expect.poll(() => player.evaluate((audio: HTMLAudioElement) => audio.currentTime)).toBeGreaterThan(9);
  await page.getByTestId('player-box').focus();
  await page.keyboard.press('Space');
  await expect.poll(() => player.evaluate((audio: HTMLAudioElement) => audio.paused)).toBe(true);
  const pausedAt = await player.evaluate((audio: HTMLAudioElement) => audio.currentTime);
  await page.keyboard.press('ArrowRight');
  await expect
    .poll(() => player.evaluate((audio: HTMLAudioElement) => audio.currentTime))
    .toBeGreaterThan(pausedAt + 4.5);

  // Delete, after confirming.
  await page.getByText('Delete this echo…').click();
  await page.getByRole('button', { name: 'Delete permanently' }).click();
  await expect(page).toHaveURL(/\/echoes$/);
  await expect(page.getByTestId('echo-list').getByRole('link', { name: 'Harbour at dusk' })).toHaveCount(0);
  await expect(page.getByTestId('echo-list').getByRole('link', { name: 'Birthday song' })).toBeVisible();

  // The home page plays a random echo of the chosen emotion.
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Play a random echo of' }).getByRole('link', { name: 'Joy' }).click();
  await expect(page.getByTestId('random-echo').getByRole('link', { name: 'Birthday song' })).toBeVisible();

  expect(errors, errors.join('\n')).toEqual([]);
});
