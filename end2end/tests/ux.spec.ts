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

/** `millis` on Cairo's wall clock, as a datetime-local value ("2025-07-01T14:05"). */
function cairoClock(millis: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Africa/Cairo', hourCycle: 'h23',
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    }).formatToParts(new Date(millis)).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
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

  // "When was it?" is local and defaults to now: Cairo's wall clock, as the
  // time-zone database has it (UTC+2, or UTC+3 in summer), some time between
  // asking for the page and reading the field.
  const before = cairoClock(Date.now());
  await page.goto('/upload');
  await waitForHydration(page);
  const shown = (await page.getByLabel('When was it?').inputValue()).slice(0, 16);
  const after = cairoClock(Date.now());
  expect(shown).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
  expect(shown >= before && shown <= after, `${shown} is not between ${before} and ${after} (Cairo)`).toBe(true);

  // 01:30 on 22 Nov in Cairo (winter, UTC+2) is 23:30 UTC on the 21st.
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

/** An account that exists, made in a context of its own. */
async function existingAccount(browser: Browser): Promise<string> {
  const { context, email } = await signedUpIn(browser);
  await context.close();
  return email;
}

test('"Log in instead?" is a link that carries the email over', async ({ browser }) => {
  const email = await existingAccount(browser);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = failOnPageErrors(page);
  // Come from a page that needs an account: `next` is carried too.
  await page.goto('/signup?next=%2Fupload');
  await waitForHydration(page);
  await page.getByLabel('Your name').fill('Twice');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  const instead = page.locator('#email-error').getByRole('link', { name: 'Log in instead?' });
  await expect(instead).toBeVisible();
  await instead.click();
  await expect(page).toHaveURL(/\/login\?/);
  const url = new URL(page.url());
  expect(url.searchParams.get('email')).toBe(email);
  expect(url.searchParams.get('next')).toBe('/upload');
  await expect(page.getByLabel('Email')).toHaveValue(email);
  // It leads on to log-in proper, and back to where the person was going.
  await waitForHydration(page);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/upload$/);
  // The taken email was answered 409, which Chromium logs; nothing else.
  expect(errors.filter((e) => !e.includes('status of 409'))).toEqual([]);
  await context.close();
});

test('without JavaScript, "Log in instead?" after a taken email carries the email over', async ({ browser }) => {
  const email = await existingAccount(browser);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/signup?next=%2Fupload');
  await page.getByLabel('Your name').fill('Twice');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  // The plain form post comes back to the sign-up page with the error,
  // and the email is still in its field.
  await expect(page).toHaveURL(/\/signup\?/);
  await expect(page.getByLabel('Email')).toHaveValue(email);
  const instead = page.locator('#email-error').getByRole('link', { name: 'Log in instead?' });
  await expect(instead).toBeVisible();
  await instead.click();
  await expect(page).toHaveURL(/\/login\?/);
  const url = new URL(page.url());
  expect(url.searchParams.get('next')).toBe('/upload');
  expect(url.searchParams.get('email')).toBe(email);
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/upload$/);
  await context.close();
});

test('a signed-out visit to /upload comes back to /upload after logging in', async ({ browser }) => {
  const email = await existingAccount(browser);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = failOnPageErrors(page);
  await page.goto('/upload');
  await expect(page).toHaveURL(/\/login\?next=%2Fupload$/);
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/upload$/);
  await expect(page.getByLabel('Audio file')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Upload' })).toHaveAttribute('aria-current', 'page');
  expect(errors).toEqual([]);
  await context.close();
});

test('the echo page’s breadcrumb leads back to the list', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await signUp(page, uniqueEmail('crumb'), 'correct horse battery', 'Bread Crumb');
  await uploadEcho(page, { title: 'Way back', emotion: 'Joy' });
  const echo = page.url();
  await waitForHydration(page);
  const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
  await expect(crumbs.getByRole('link', { name: 'Way back' })).toHaveAttribute('aria-current', 'page');
  await crumbs.getByRole('link', { name: 'My echoes' }).click();
  await expect(page).toHaveURL(/\/echoes$/);
  const listed = page.getByTestId('echo-list').getByRole('link', { name: 'Way back' });
  await expect(listed).toBeVisible();
  await listed.click();
  await expect(page).toHaveURL(echo);
  expect(errors).toEqual([]);
});

test('the record page’s mode picker is chips, like the emotions', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await signUp(page, uniqueEmail('modes'), 'correct horse battery', 'Mode Chips');
  // An emotion chip on the upload page, as the reference.
  await page.goto('/upload');
  await waitForHydration(page);
  const look = (el: Element) => {
    const s = getComputedStyle(el);
    return { radius: s.borderRadius, padding: s.padding, border: s.borderStyle + ' ' + s.borderWidth, display: s.display };
  };
  const emotion = page.locator('.emotion-picker label', { hasText: /^Calm$/ });
  await expect(emotion).toHaveClass(/\bchip\b/);
  const chip = await emotion.evaluate(look);

  await page.goto('/record');
  await waitForHydration(page);
  const picker = page.getByRole('group', { name: 'Mode' });
  const ambient = picker.locator('label', { hasText: /^Ambient$/ });
  const voice = picker.locator('label', { hasText: /^Voice$/ });
  for (const label of [ambient, voice]) {
    await expect(label).toHaveClass(/\bchip\b/);
    expect(await label.evaluate(look)).toEqual(chip);
  }
  // No native radio button shows: the chips are the control.
  for (const radio of await picker.getByRole('radio').all()) {
    const shown = await radio.evaluate((el) => {
      const b = el.getBoundingClientRect();
      return getComputedStyle(el).opacity !== '0' && b.width > 1 && b.height > 1;
    });
    expect(shown).toBe(false);
  }
  // The chosen chip is filled, and choosing by its chip works.
  const fill = (el: Element) => getComputedStyle(el).backgroundColor;
  await expect(picker.getByRole('radio', { name: 'Ambient' })).toBeChecked();
  const chosen = await ambient.evaluate(fill);
  expect(chosen).not.toBe(await voice.evaluate(fill));
  await voice.click();
  await expect(picker.getByRole('radio', { name: 'Voice' })).toBeChecked();
  await expect.poll(() => voice.evaluate(fill)).toBe(chosen);
  await expect(page.locator('#mode-hint')).toContainText('echo cancellation');
  expect(errors).toEqual([]);
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

/**
 * The header at this width: nothing overflows it (its scroll width is its
 * width, and the page does not scroll sideways), and each of its items —
 * brand, links, the log-out button — sits inside it on a single line. The
 * bottom bar's links likewise fit the bar, one line each.
 */
async function expectHeaderFits(page: Page, state: string) {
  const report = await page.evaluate(() => {
    const box = (el: Element) => el.getBoundingClientRect();
    // The lines an element's text takes: its text's line boxes, by their top.
    const lines = (el: Element) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
    };
    const header = document.querySelector('.site-header')!;
    const bar = header.querySelector('.bar')!;
    const h = box(header);
    const problems: string[] = [];
    for (const el of [header, bar]) {
      if (el.scrollWidth > el.clientWidth) problems.push(`${el.className} scrolls: ${el.scrollWidth} > ${el.clientWidth}`);
    }
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) problems.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
    const items = [...header.querySelectorAll('a, button')].filter((el) => !el.classList.contains('skip-link'));
    const main = document.querySelector('nav.main-nav');
    const barItems = main && getComputedStyle(main).position === 'fixed' ? [...main.querySelectorAll('a')] : [];
    for (const el of items) {
      const b = box(el);
      const name = (el.textContent ?? '').trim();
      const inBar = barItems.includes(el as HTMLAnchorElement);
      const frame = inBar ? box(main!) : h;
      if (b.width === 0 || b.height === 0) problems.push(`"${name}" is not shown`);
      if (b.left < frame.left - 0.5 || b.right > frame.right + 0.5 || b.top < frame.top - 0.5 || b.bottom > frame.bottom + 0.5) {
        problems.push(`"${name}" (${Math.round(b.left)}–${Math.round(b.right)} × ${Math.round(b.top)}–${Math.round(b.bottom)}) leaves the ${inBar ? 'bottom bar' : 'header'}`);
      }
      if (lines(el) !== 1) problems.push(`"${name}" takes ${lines(el)} lines`);
      if (el.scrollWidth > el.clientWidth + 1 && !el.classList.contains('who')) problems.push(`"${name}" overflows itself`);
    }
    return { problems, items: items.map((el) => (el.textContent ?? '').trim()) };
  });
  expect(report.problems, `${state}: ${report.problems.join('; ')}`).toEqual([]);
  return report.items;
}

test('the header fits a phone on one line, the same height signed in and out', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors = failOnPageErrors(page);
  await page.goto('/');
  await waitForHydration(page);
  expect(await expectHeaderFits(page, 'signed out')).toEqual(expect.arrayContaining(['Echoes', 'Log in', 'Sign up']));
  const signedOut = (await page.locator('.site-header').boundingBox())!.height;
  await signUp(page, uniqueEmail('phone'), 'correct horse battery', 'A Rather Long Display Name');
  await waitForHydration(page);
  // Signed up in the hydrated page: the header shows the person once the
  // user is fetched again; measure it then.
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
  expect(await expectHeaderFits(page, 'signed in')).toEqual(
    expect.arrayContaining(['Echoes', 'My echoes', 'Record', 'Upload', 'A Rather Long Display Name', 'Log out']),
  );
  const signedIn = (await page.locator('.site-header').boundingBox())!.height;
  expect(signedOut).toBeLessThanOrEqual(60);
  expect(signedIn).toBe(signedOut);
  // The main links sit in a bar at the bottom, marking the page you are on.
  const bar = page.getByRole('navigation', { name: 'Main' });
  const box = (await bar.boundingBox())!;
  expect(box.y + box.height).toBeCloseTo(844, 0);
  expect(box.height).toBeLessThanOrEqual(64);
  await expect(bar.getByRole('link', { name: 'My echoes' })).toHaveAttribute('aria-current', 'page');
  // Scrolled to the end, the upload form's button sits above the bar,
  // where a thumb can reach it (the bar never covers the last control).
  await page.goto('/upload');
  await waitForHydration(page);
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  const submit = page.getByRole('button', { name: 'Upload', exact: true });
  const button = (await submit.boundingBox())!;
  const barTop = (await bar.boundingBox())!.y;
  expect(button.y + button.height).toBeLessThanOrEqual(barTop);
  const onTop = await page.evaluate(
    ([x, y]) => document.elementFromPoint(x, y)?.closest('button')?.textContent?.trim() ?? null,
    [button.x + button.width / 2, button.y + button.height / 2],
  );
  expect(onTop).toBe('Upload');
  // The list's emotion badge keeps its size.
  await uploadEcho(page, { title: 'Pocket', emotion: 'Calm' });
  await expectHeaderFits(page, 'signed in, on an echo');
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
