import { eventually } from '../../support/eventually.js';
import { mock } from 'wechaty-puppet-mock';
import { startTestApp, type TestApp } from '../../support/harness.js';
import { botRuntimePlugin, type RunningBot } from '../../../bot/src/main.js';
import { deskRuntimePlugin } from '../../../server/src/modules/conversations/desk.plugin.js';
import { openEventStream } from '../../../scripts/lib/event-stream.js';

/**
 * A running product with the bot on the mock puppet: the mocker plays WeChat users who talk to the
 * logged-in bot account and read what it says back. Everything else is real (server, worker with
 * Agenda, MongoDB, Redis).
 */
export interface MockChat {
  app: TestApp;
  /**
   * The product's clock: it runs with the wall clock, and `advance` moves it ahead at once, so a test
   * waits out an SLA target, a presence timeout or a reminder pause without sleeping.
   */
  clock: { now(): Date; advance(ms: number): void };
  mocker: mock.Mocker;
  account: mock.ContactMock;
  bot(): RunningBot;
  contact(name: string): ChatUser;
  /** Stops the bot as a process stop would (the server and worker keep running). */
  stopBot(): Promise<void>;
  /** Starts a new bot on the same WeChat account, as after a restart. */
  startBot(): Promise<void>;
  stop(): Promise<void>;
}

export interface ChatUser {
  mock: mock.ContactMock;
  /** Everything the bot account said to this user, in order. */
  heard: string[];
  say(text: string): void;
  /** Waits until the user heard a message matching `re` and returns it. */
  hears(re: RegExp, timeoutMs?: number): Promise<string>;
}

export { eventually };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `options.start`: the product's clock starts at this instant (a Friday night, a holiday) and runs on from there. */
export async function startMockChat(env: Record<string, string> = {}, options: { start?: Date } = {}): Promise<MockChat> {
  const mocker = new mock.Mocker();
  let running: RunningBot | undefined;
  let ahead = options.start ? options.start.getTime() - Date.now() : 0;
  const clock = { now: () => new Date(Date.now() + ahead), advance: (ms: number) => void (ahead += ms) };
  const app = await startTestApp({
    now: clock.now,
    env: {
      ROLES: 'server,worker',
      DESK_SWEEP_EVERY: '1 second',
      BOT_OUTBOUND_POLL_MS: '300',
      DESK_OUTBOUND_LEASE_MS: '1500',
      // A stream a failed test left open must not hold the server's close for long.
      DESK_SSE_MAX_SECONDS: '10',
      ...env,
    },
    plugins: [deskRuntimePlugin(), botRuntimePlugin({ mocker, onBot: (b) => (running = b) })],
  });
  const account = mocker.createContact({ name: '品牌小助手' });
  mocker.login(account);
  await running!.loggedIn;

  const contact = (name: string): ChatUser => {
    const m = mocker.createContact({ name });
    const heard: string[] = [];
    // ContactMock is an event emitter at runtime; its typings do not say so.
    (m as any).on('message', (msg: any) => {
      if (msg.payload.talkerId === account.id && msg.payload.text) heard.push(msg.payload.text);
    });
    return {
      mock: m,
      heard,
      say: (text) => m.say(text).to(account),
      hears: (re, timeoutMs = 8000) => eventually(() => heard.find((t) => re.test(t)), timeoutMs, `a reply matching ${re}`),
    };
  };

  return {
    app,
    clock,
    mocker,
    account,
    bot: () => running!,
    contact,
    async stopBot() {
      await running!.stop();
    },
    async startBot() {
      const { startBot } = await import('../../../bot/src/main.js');
      // The same mocker plays the same WeChat account: a new puppet logs in as it. PuppetMock logs its
      // options as JSON, which fails while the mocker still points at the old puppet.
      (mocker as any)._puppet = undefined;
      running = await startBot(app.rt.services, { mocker });
      mocker.login(account);
      await running.loggedIn;
    },
    async stop() {
      await running?.stop();
      await app.stop();
    },
  };
}

/** A console's live stream: server-sent events read with fetch, kept as they arrive. */
export async function openStream(url: string, token: string): Promise<{ status: number; events: Array<{ event: string; data: any }>; close(): void }> {
  const events: Array<{ event: string; data: any }> = [];
  const stream = await openEventStream(url, token, (event, data) => events.push({ event, data }));
  return { ...stream, events };
}
