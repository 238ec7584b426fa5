// End-to-end tests in Debian's Chromium against the release build.
// scripts/test.sh builds it and sets ECHOES_BIN / ECHOES_SITE_ROOT; the
// server runs on a fresh SQLite database and storage folder each time.
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join, resolve } from 'node:path';

const port = Number(process.env.E2E_PORT ?? 3100);
const targetDir = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'echoes', 'target');
const bin = process.env.ECHOES_BIN ?? join(targetDir, 'release', 'echoes');
const siteRoot = process.env.ECHOES_SITE_ROOT ?? resolve(__dirname, '..', 'target', 'site');
const data = mkdtempSync(join(tmpdir(), 'echoes-e2e-'));

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: process.env.CI ? 'list' : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
  },
  webServer: {
    command: `"${bin}"`,
    url: `http://127.0.0.1:${port}/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      DATABASE_URL: `sqlite://${data}/echoes.db`,
      AUDIO_STORAGE_PATH: join(data, 'audio'),
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: siteRoot,
      LEPTOS_OUTPUT_NAME: 'echoes',
      LEPTOS_ENV: 'PROD',
      RUST_LOG: 'warn',
    },
  },
});
