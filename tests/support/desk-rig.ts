import { mock } from 'wechaty-puppet-mock';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from './harness.js';
import { ensureH5Built, launchBrowser } from './browser.js';
import { staticH5Plugin } from '../../server/src/h5/static-h5.plugin.js';
import { botRuntimePlugin, type RunningBot } from '../../bot/src/main.js';
import { deskRuntimePlugin } from '../../server/src/modules/conversations/desk.plugin.js';

export interface DeskRig {
  app: TestApp;
  browser: Browser;
  /** The mock puppet's world: `mocker.createContact(...)` makes a customer who can `say(...)` to `account`. */
  mocker: mock.Mocker;
  /** The brand's chat account the bot is logged in as. */
  account: mock.ContactMock;
}

/**
 * The whole product for a browser test of the inbox: server and worker (the desk's sweep every second,
 * live streams closed after `DESK_SSE_MAX_SECONDS`), the bot logged in on the mock puppet as 品牌小助手,
 * the built pages, and Chromium. `env` adds to or overrides the desk's settings; `now` is the app's clock.
 */
export async function startDeskRig(options: { env?: Record<string, string>; now?: () => Date } = {}): Promise<DeskRig> {
  ensureH5Built();
  const mocker = new mock.Mocker();
  let running: RunningBot | undefined;
  const app = await startTestApp({
    env: { ROLES: 'server,worker', DESK_SWEEP_EVERY: '1 second', BOT_OUTBOUND_POLL_MS: '300', DESK_SSE_MAX_SECONDS: '20', ...options.env },
    plugins: [deskRuntimePlugin(), botRuntimePlugin({ mocker, onBot: (b) => (running = b) }), staticH5Plugin()],
    now: options.now,
  });
  const account = mocker.createContact({ name: '品牌小助手' });
  mocker.login(account);
  await running!.loggedIn;
  const browser = await launchBrowser();
  return { app, browser, mocker, account };
}
