// Screenshots of the main pages at 390 px and 1280 px, light and dark, for
// looking at a change by eye: `node screenshots.mjs <base-url> <out-dir>`
// against a running Echoes (e.g. scripts/run.sh). Not part of the tests.
import { chromium } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base = 'http://127.0.0.1:3000', out = 'screenshots'] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const tone = (() => {
  const rate = 16000, n = rate * 3, b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVEfmt ', 8); b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(Math.sin(i / 6) * 9000 * (0.3 + 0.7 * Math.abs(Math.sin(i / 8000)))), 44 + i * 2);
  return b;
})();
for (const width of [390, 1280]) {
  for (const colorScheme of ['light', 'dark']) {
    const context = await browser.newContext({ viewport: { width, height: width === 390 ? 844 : 800 }, colorScheme });
    const page = await context.newPage();
    const shot = async (name) => {
      await page.waitForSelector('body[data-hydrated]');
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(out, `${name}-${width}-${colorScheme}.png`), fullPage: true });
    };
    await page.goto(`${base}/`); await shot('landing');
    await page.goto(`${base}/signup`);
    await page.waitForSelector('body[data-hydrated]');
    await page.getByLabel('Your name').fill('Screen Shot');
    await page.getByLabel('Email').fill(`shot-${width}-${colorScheme}-${Date.now()}@example.org`);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL(/\/echoes$/);
    for (const [title, emotion] of [['Harbour at dusk', 'Calm'], ['Birthday song', 'Joy']]) {
      await page.goto(`${base}/upload`);
      await page.waitForSelector('body[data-hydrated]');
      await page.getByLabel('Audio file').setInputFiles({ name: 'a.wav', mimeType: 'audio/wav', buffer: tone });
      await page.locator('label', { hasText: new RegExp(`^${emotion}$`) }).click();
      await page.getByLabel(/^Title/).fill(title);
      await page.getByLabel(/^Tags/).fill('sea, evening');
      await page.getByRole('button', { name: 'Upload' }).click();
      await page.waitForURL(/\/echoes\/[0-9a-f-]{36}$/);
    }
    await shot('echo');
    await page.goto(`${base}/echoes`); await shot('list');
    await page.goto(`${base}/?emotion=calm`); await shot('home');
    await page.goto(`${base}/record`); await shot('record');
    await page.goto(`${base}/upload`);
    await page.waitForSelector('body[data-hydrated]');
    await page.getByRole('button', { name: 'Upload' }).click();
    await shot('upload-errors');
    await context.close();
  }
}
await browser.close();
console.log(`screenshots in ${out}`);
