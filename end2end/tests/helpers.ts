// Shared steps for the browser stories.
import { expect, Page } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** A real, playable WAV: `seconds` of a 440 Hz tone, 16-bit mono 16 kHz. */
export function wavTone(seconds: number): Buffer {
  const rate = 16_000;
  const samples = Math.floor(rate * seconds);
  const buffer = Buffer.alloc(44 + samples * 2);
  buffer.write('RIFF', 0);
  buffer.writeUInt32LE(36 + samples * 2, 4);
  buffer.write('WAVEfmt ', 8);
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(1, 20);
  buffer.writeUInt16LE(1, 22);
  buffer.writeUInt32LE(rate, 24);
  buffer.writeUInt32LE(rate * 2, 28);
  buffer.writeUInt16LE(2, 32);
  buffer.writeUInt16LE(16, 34);
  buffer.write('data', 36);
  buffer.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) {
    buffer.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 8000), 44 + i * 2);
  }
  return buffer;
}

export function uniqueEmail(tag: string): string {
  return `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.org`;
}

/**
 * Fails the test on any uncaught page error, console error or
 * Content-Security-Policy violation — so every story also proves the app
 * works under its CSP (hydration, recording, uploads, playback).
 */
export function failOnPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  // Chromium logs violations to the console too; the event also catches
  // report-only and worker cases, with the directive named. Playwright sends
  // its commands in order, so this is in place before the first navigation.
  void page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`);
    });
  });
  return errors;
}

/** Waits until the WASM has hydrated the page (the app marks <body>). */
export async function waitForHydration(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

export async function signUp(page: Page, email: string, password: string, name: string) {
  await page.goto('/signup');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page).toHaveURL(/\/echoes$/);
}

export async function uploadEcho(page: Page, opts: { title: string; emotion: string; seconds?: number; navigate?: boolean }) {
  if (opts.navigate !== false) await page.goto('/upload');
  await page.getByLabel('Audio file').setInputFiles({
    name: 'moment.wav',
    mimeType: 'audio/wav',
    buffer: wavTone(opts.seconds ?? 2),
  });
  await page.locator('label', { hasText: new RegExp(`^${opts.emotion}$`) }).click();
  await page.getByLabel(/^Title/).fill(opts.title);
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page).toHaveURL(/\/echoes\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1, name: opts.title })).toBeVisible();
}

// The code an authenticator app shows for a base32 `secret`, `offsetSecs`
// from now (RFC 6238: HMAC-SHA-1 over the 30-second step, six digits).
export function totp(secret: string, offsetSecs = 0): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/\s/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const step = Buffer.alloc(8);
  step.writeBigUInt64BE(BigInt(Math.floor((Date.now() / 1000 + offsetSecs) / 30)));
  const mac = createHmac('sha1', key).update(step).digest();
  const at = mac[19] & 0xf;
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/**
 * `echoes create-admin` on the local-disk deployment's database, as an
 * operator would (so only for stories in the local-disk project). Then it
 * waits out the second for which the running server may still believe what
 * it read about that account before (`app/src/infra/recently_read.rs`):
 * another process's change reaches it within that second, not at once.
 */
export async function makeAdmin(email: string) {
  const data = process.env.ECHOES_E2E_DATA!;
  const result = spawnSync(process.env.ECHOES_E2E_BIN!, ['create-admin', '--email', email], {
    env: { ...process.env, DATABASE_URL: `sqlite://${join(data, 'local.db')}`, RUST_LOG: 'warn' },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  expect(result.stdout).toContain('is now an administrator');
  await new Promise((resolve) => setTimeout(resolve, 1_100));
}
