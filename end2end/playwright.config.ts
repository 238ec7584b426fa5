// End-to-end tests in Debian's Chromium against the release build.
// scripts/test.sh builds it and sets ECHOES_BIN / ECHOES_SITE_ROOT; the
// server runs on a fresh SQLite database and storage folder each time.
import { defineConfig } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join, resolve } from 'node:path';

// Two deployments of the same build: local disk, and S3 (a real
// S3-protocol server, testkit's echoes-test-s3) with direct uploads.
const localPort = 3100;
const s3Port = 3101;
const shortTakesPort = 3102;
const s3ServerPort = 3190;
// Sign-in providers for the local-disk deployment: the certified OIDC
// provider (testkit/oidc) and testkit's GitHub-shaped OAuth 2 server.
const oidcPort = 3191;
const oauthPort = 3192;
const localUrl = `http://127.0.0.1:${localPort}`;
// Its mail goes to a real SMTP server (testkit/smtp) the stories read back.
const smtpPort = 3193;
export const smtpHttpPort = 3194;
const targetDir = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'echoes', 'target');
const bin = process.env.ECHOES_BIN ?? join(targetDir, 'release', 'echoes');
const s3Bin = process.env.ECHOES_TEST_S3_BIN ?? join(targetDir, 'debug', 'echoes-test-s3');
const oauthBin = process.env.ECHOES_TEST_OAUTH_BIN ?? join(targetDir, 'debug', 'echoes-test-oauth');
const siteRoot = process.env.ECHOES_SITE_ROOT ?? resolve(__dirname, '..', 'target', 'site');
// Workers load this file again: they reuse the main process's folder
// (the admin story runs `echoes create-admin` on the local database).
const data = process.env.ECHOES_E2E_DATA ?? mkdtempSync(join(tmpdir(), 'echoes-e2e-'));
process.env.ECHOES_E2E_DATA = data;
process.env.ECHOES_E2E_BIN = bin;

// The fake microphone plays this on a loop: a tone with a pulse, so the
// level meter moves and the take is real audio.
const fakeMic = join(data, 'fake-mic.wav');
writeFileSync(fakeMic, (() => {
  const rate = 48_000, seconds = 4, n = rate * seconds;
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const pulse = 0.5 + 0.5 * Math.sin(2 * Math.PI * 0.5 * t);
    b.writeInt16LE(Math.round(Math.sin(2 * Math.PI * 330 * t) * 12000 * pulse), 44 + i * 2);
  }
  return b;
})());

const baseArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

function echoesEnv(name: string, port: number, extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: `sqlite://${data}/${name}.db`,
    AUDIO_STORAGE_PATH: join(data, `${name}-audio`),
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: siteRoot,
    LEPTOS_OUTPUT_NAME: 'echoes',
    LEPTOS_ENV: 'PROD',
    RUST_LOG: 'warn',
    // Every story signs up from 127.0.0.1; the limit has tests of its own.
    SIGNUPS_PER_ADDRESS_PER_HOUR: '1000',
    PATH: process.env.PATH ?? '',
    ...extra,
  };
}

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: process.env.CI ? 'list' : [['list'], ['html', { open: 'never' }]],
  projects: [
    { name: 'local-disk', use: { baseURL: `http://127.0.0.1:${localPort}` }, testIgnore: /max-length|microphone-/ },
    { name: 's3', use: { baseURL: `http://127.0.0.1:${s3Port}` }, testIgnore: /max-length|microphone-|admin|docs|account|sign-in-providers|mail|a11y|lighthouse/ },
    // Chromium's real getUserMedia failing: a microphone whose permission
    // is not granted (the prompt is dismissed)…
    {
      name: 'microphone-denied',
      testMatch: /microphone-denied/,
      use: {
        baseURL: `http://127.0.0.1:${localPort}`,
        permissions: [],
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [...baseArgs, '--use-fake-device-for-media-stream'],
        },
      },
    },
    // …and permission granted with no microphone at all.
    {
      name: 'microphone-missing',
      testMatch: /microphone-missing/,
      use: {
        baseURL: `http://127.0.0.1:${localPort}`,
        launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: baseArgs },
      },
    },
    // A deployment that allows 2-second takes, for the automatic stop.
    { name: 'short-takes', use: { baseURL: `http://127.0.0.1:${shortTakesPort}` }, testMatch: /max-length/ },
  ],
  use: {
    permissions: ['microphone'],
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        ...baseArgs,
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${fakeMic}`,
      ],
    },
  },
  webServer: [
    {
      command: `node "${resolve(__dirname, '..', 'testkit', 'smtp', 'sink.mjs')}"`,
      url: `http://127.0.0.1:${smtpHttpPort}/messages`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: { PATH: process.env.PATH ?? '', SMTP_PORT: String(smtpPort), HTTP_PORT: String(smtpHttpPort) },
    },
    {
      command: `node "${resolve(__dirname, '..', 'testkit', 'oidc', 'provider.mjs')}"`,
      url: `http://127.0.0.1:${oidcPort}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        PATH: process.env.PATH ?? '',
        OIDC_PORT: String(oidcPort),
        OIDC_CLIENTS: JSON.stringify([
          { client_id: 'echoes-e2e', client_secret: 'e2e-secret', redirect_uris: [`${localUrl}/auth/testoidc/callback`] },
        ]),
      },
    },
    {
      command: `"${oauthBin}" ${oauthPort} echoes-e2e e2e-secret ${localUrl}/auth/testgh/callback`,
      port: oauthPort,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      command: `"${bin}"`,
      url: `http://127.0.0.1:${shortTakesPort}/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: echoesEnv('short', shortTakesPort, { MAX_RECORDING_SECONDS: '2' }),
    },
    {
      command: `"${bin}"`,
      url: `http://127.0.0.1:${localPort}/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: echoesEnv('local', localPort, {
        PUBLIC_URL: localUrl,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        MAIL_FROM: 'Echoes <echoes@example.org>',
        OAUTH_PROVIDERS: 'testoidc,testgh',
        OAUTH_TESTOIDC_LABEL: 'Test OIDC',
        OAUTH_TESTOIDC_ISSUER: `http://127.0.0.1:${oidcPort}`,
        OAUTH_TESTOIDC_CLIENT_ID: 'echoes-e2e',
        OAUTH_TESTOIDC_CLIENT_SECRET: 'e2e-secret',
        OAUTH_TESTGH_KIND: 'oauth2',
        OAUTH_TESTGH_LABEL: 'Test GitHub',
        OAUTH_TESTGH_CLIENT_ID: 'echoes-e2e',
        OAUTH_TESTGH_CLIENT_SECRET: 'e2e-secret',
        OAUTH_TESTGH_AUTHORIZE_URL: `http://127.0.0.1:${oauthPort}/login/oauth/authorize`,
        OAUTH_TESTGH_TOKEN_URL: `http://127.0.0.1:${oauthPort}/login/oauth/access_token`,
        OAUTH_TESTGH_USERINFO_URL: `http://127.0.0.1:${oauthPort}/user`,
        OAUTH_TESTGH_EMAILS_URL: `http://127.0.0.1:${oauthPort}/user/emails`,
      }),
    },
    {
      // The S3 server first, then Echoes pointed at it (creating its bucket).
      command: `"${resolve(__dirname, 'start-with-s3.sh')}" "${s3Bin}" "${join(data, 's3')}" ${s3ServerPort} "${bin}"`,
      url: `http://127.0.0.1:${s3Port}/ready`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: echoesEnv('s3', s3Port, {
        S3_BUCKET_NAME: 'e2e-audio',
        S3_ENDPOINT_URL: `http://127.0.0.1:${s3ServerPort}`,
        S3_FORCE_PATH_STYLE: 'true',
        S3_AUTO_CREATE_BUCKET: 'true',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'echoes-test-access-key',
        AWS_SECRET_ACCESS_KEY: 'echoes-test-secret-key-0123456789',
      }),
    },
  ],
});
