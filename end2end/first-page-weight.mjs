// What a first visit downloads to make a page interactive: every script,
// WASM module and style under /pkg/ that Chromium fetches until the page is
// hydrated, as sent (brotli), in a fresh browser profile per page.
// `node first-page-weight.mjs <base-url> <path>...`; prints one line per
// page, "<path> <total bytes> <file>=<bytes> ...". Used by
// scripts/bench/budgets.sh; fails if a page does not hydrate or logs an error.
import { chromium } from '@playwright/test';

const [base, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
let failed = false;
for (const path of paths.length ? paths : ['/']) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const assets = [];
  page.on('requestfinished', async (request) => {
    if (new URL(request.url()).pathname.startsWith('/pkg/')) assets.push(request);
  });
  await page.goto(base + path);
  await page.waitForSelector('body[data-hydrated]', { timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  const sizes = await Promise.all(assets.map(async (r) => [new URL(r.url()).pathname.slice(5), (await r.sizes()).responseBodySize]));
  const total = sizes.reduce((sum, [, n]) => sum + n, 0);
  console.log([path, total, ...sizes.sort((a, b) => b[1] - a[1]).map(([f, n]) => `${f}=${n}`)].join(' '));
  if (errors.length) {
    console.error(`${path}: ${errors.join('; ')}`);
    failed = true;
  }
  await context.close();
}
await browser.close();
process.exit(failed ? 1 : 0);
