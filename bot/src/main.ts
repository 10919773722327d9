import { WechatyBuilder, type OfficialPuppetNpmName, type Wechaty } from 'wechaty';
import { PuppetMock, type mock } from 'wechaty-puppet-mock';
import type { Services } from '../../server/src/services.js';
import type { RuntimePlugin } from '../../server/src/runtime.js';
import { BotContext } from './bot-context.js';
import { capturePlugin } from './plugins/capture.plugin.js';
import { handoffRelayPlugin } from './plugins/handoff-relay.plugin.js';
import { commandsPlugin } from './plugins/commands.plugin.js';
import { autoReplyPlugin } from './plugins/auto-reply.plugin.js';
import { roomWelcomePlugin } from './plugins/room-welcome.plugin.js';

export interface BotOptions {
  /** For the mock puppet: the mocker that plays the contacts (tests and the demo). */
  mocker?: mock.Mocker;
  tenantId?: string;
  /** Called once the bot runs, e.g. for the demo to log a mock account in. */
  onStarted?: (bot: RunningBot) => Promise<void> | void;
}

export interface RunningBot {
  bot: Wechaty;
  ctx: BotContext;
  /** Resolves when an account is logged in (never, with a real puppet, until someone scans). */
  loggedIn: Promise<string>;
  stop(): Promise<void>;
}

/**
 * The bot: Wechaty with the configured puppet (`WECHATY_PUPPET`: wechaty-puppet-mock in tests and the
 * demo; wechaty-puppet-service with WECHATY_PUPPET_SERVICE_TOKEN, or wechaty-puppet-wechat4u, in
 * production, installed where the bot runs) and one plugin per feature. It talks to the rest of the
 * product only through the services (MongoDB) and Redis, so it may run in its own process.
 */
export async function startBot(s: Services, options: BotOptions = {}): Promise<RunningBot> {
  const { config, log } = s.deps;
  const bot =
    config.WECHATY_PUPPET === 'wechaty-puppet-mock'
      ? WechatyBuilder.build({ name: config.WECHATY_NAME, puppet: new PuppetMock({ mocker: options.mocker }) })
      : WechatyBuilder.build({
          name: config.WECHATY_NAME,
          // wechaty types `puppet` as its official puppets' names; any installed puppet package loads by name.
          puppet: config.WECHATY_PUPPET as OfficialPuppetNpmName,
          puppetOptions: config.WECHATY_PUPPET_SERVICE_TOKEN ? { token: config.WECHATY_PUPPET_SERVICE_TOKEN } : undefined,
        });
  const ctx = new BotContext(s, options.tenantId ?? config.DEFAULT_TENANT, log.child({ part: 'bot' }), bot);

  let resolveLogin!: (id: string) => void;
  const loggedIn = new Promise<string>((resolve) => (resolveLogin = resolve));
  // Registered before the plugins so they see the account id in their own login handlers.
  bot.on('login', (user) => {
    ctx.selfId = user.id;
    ctx.log.info({ account: user.id }, 'bot logged in');
    resolveLogin(user.id);
  });
  bot.on('logout', () => (ctx.selfId = undefined));
  bot.on('scan', (qrcode, status) => ctx.log.info({ status, qrcode }, 'scan the QR code to log the bot in'));
  // Puppets report recoverable trouble as errors; log, never crash. wechaty-puppet-mock marks a room
  // "dirty" as if it were a contact when a member joins, and Wechaty's reload of that "contact" fails
  // (the join itself is delivered): known noise from the stand-in only, kept at debug.
  const mockRoomNoise = (message: string) => config.WECHATY_PUPPET === 'wechaty-puppet-mock' && /^no payload found for id \S+@chatroom$/.test(message);
  bot.on('error', (err) =>
    mockRoomNoise(err.message) ? ctx.log.debug({ err: err.message }, 'mock puppet room reload') : ctx.log.warn({ err: err.message }, 'bot error'),
  );

  const uninstall = bot.use(capturePlugin(ctx), handoffRelayPlugin(ctx), commandsPlugin(ctx), autoReplyPlugin(ctx), roomWelcomePlugin(ctx));
  // start() resolves once the puppet runs; ready() would wait for a login, which the mock never signals.
  await bot.start();

  let stopped = false;
  const running: RunningBot = {
    bot,
    ctx,
    loggedIn,
    async stop() {
      if (stopped) return;
      stopped = true;
      uninstall();
      await ctx.idle();
      // The answers said last are still queued for their batch: written before the bot is gone.
      await s.desk.conversations.writer.flush().catch((err) => ctx.log.error({ err: (err as Error).message }, 'queued chat messages not written'));
      await bot.stop().catch((err) => ctx.log.warn({ err: err.message }, 'bot stop failed'));
    },
  };
  await options.onStarted?.(running);
  return running;
}

/** The bot as a runtime part: started beside the server and worker, or alone (ROLES=bot). */
export function botRuntimePlugin(options: BotOptions & { onBot?: (bot: RunningBot) => void } = {}): RuntimePlugin {
  return {
    name: 'bot',
    async start(s) {
      const running = await startBot(s, options);
      options.onBot?.(running);
      return () => running.stop();
    },
  };
}
