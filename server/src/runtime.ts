import type { Server } from 'node:http';
import type { Config } from './config/env.js';
import { demoSignIn, redactConfig } from './config/env.js';
import { closeSessionNotices } from './shared/session-cache.js';
import { createLogger, type Logger } from './shared/logger.js';
import { connectDb, disconnectDb, syncIndexes } from './shared/db.js';
import { createRedis } from './shared/redis.js';
import { createServices, type Services } from './services.js';
import { createApp, type AppOptions } from './app.js';
import { Worker } from './jobs/worker.js';
import { jobDefinitions } from './jobs/index.js';
import { moduleListeners } from './shared/module.js';

export interface Runtime {
  services: Services;
  worker: Worker;
  server?: Server;
  url?: string;
  log: Logger;
  stop(): Promise<void>;
}

/** Extra parts (WeCom adapter, bot, H5) attach here without the core knowing them. */
export interface RuntimePlugin {
  name: string;
  /** Adds routers or middleware to the HTTP app. */
  app?: (s: Services, worker: Worker) => AppOptions;
  /** Starts a long-running part (the bot) and returns how to stop it. */
  start?: (s: Services, worker: Worker, rt: { url?: string }) => Promise<() => Promise<void>>;
}

/**
 * Starts the processes this node runs (ROLES: server, worker, bot). `npm start` runs all three in one
 * process; production runs each on its own.
 */
export async function startRuntime(config: Config, plugins: RuntimePlugin[] = [], options: { now?: () => Date; log?: Logger } = {}): Promise<Runtime> {
  const log = options.log ?? createLogger(config.LOG_LEVEL);
  log.debug({ config: redactConfig(config) }, 'configuration');
  await connectDb(config.MONGODB_URI, log);
  await syncIndexes();
  const redis = createRedis(config.REDIS_URL, log, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
  // The one place the machine clock is read: everything else takes it from deps.now.
  // eslint-disable-next-line no-restricted-syntax
  const deps = { config, log, redis, now: options.now ?? (() => new Date()) };
  // The worker first: it is the modules' job queue; their jobs are declared once they are composed.
  const worker = new Worker(deps);
  const services = createServices(deps, { queue: worker });
  worker.define(jobDefinitions(services));
  await worker.ready();
  const stops: Array<() => Promise<void>> = [];

  let server: Server | undefined;
  let url: string | undefined;
  if (config.ROLES.includes('server')) {
    const merged: AppOptions = { extraRouters: [], extraMiddleware: [] };
    for (const p of plugins) {
      const o = p.app?.(services, worker);
      merged.extraRouters!.push(...(o?.extraRouters ?? []));
      merged.extraMiddleware!.push(...(o?.extraMiddleware ?? []));
    }
    const app = createApp(services, merged);
    server = await new Promise<Server>((resolve) => {
      const srv = app.listen(config.PORT, config.HOST, () => resolve(srv));
    });
    server.keepAliveTimeout = 65_000;
    const addr = server.address() as { port: number };
    url = `http://${config.HOST}:${addr.port}`;
    log.info({ url }, 'server listening');
    const demo = demoSignIn(config);
    log.info({ demoSignIn: demo.on }, `demo sign-in is ${demo.on ? 'ON' : 'off'}: ${demo.reason}`);
  }
  if (config.ROLES.includes('worker')) {
    await worker.start();
    for (const l of moduleListeners(services.modules)) stops.push(await l.start());
    log.info('worker started');
  }
  for (const p of plugins) {
    if (p.start) stops.push(await p.start(services, worker, { url }));
  }

  let stopped = false;
  return {
    services,
    worker,
    server,
    url,
    log,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (server) {
        server.closeIdleConnections?.();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      for (const stop of stops.reverse()) await stop().catch((err) => log.warn({ err }, 'stop failed'));
      await worker.stop().catch(() => undefined);
      // The desk's live channel (its Redis subscriber) is the services', whichever plugins ran: a job
      // (a 微信客服 sync) may have opened it in a process without the desk plugin. Closed last, after
      // the jobs, so nothing opens it again.
      services.desk.live.close();
      closeSessionNotices(redis);
      redis.disconnect();
      await disconnectDb();
    },
  };
}
