import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's Chromium through playwright-core, headless, for the browser tests and `npm run screenshots`
 * (CHROMIUM_PATH points elsewhere).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Opens `url` and signs in on its staff login form. */
export async function staffSignIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.locator('[data-test=login-username] input').fill(username);
  await page.locator('[data-test=login-password] input').fill(password);
  await page.locator('[data-test=login-submit]').click();
  await page.locator('[data-test=staff-login]').waitFor({ state: 'detached' });
}
