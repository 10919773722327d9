import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import mongoose from 'mongoose';
import type { Services } from './services.js';
import { apiRouters } from './routes.js';
import { errorMiddleware } from './shared/http/errors.middleware.js';
import { authMiddleware } from './shared/http/auth.middleware.js';
import { tokenKeys } from './shared/tokens.js';
import { securityMiddleware } from './shared/http/security.middleware.js';
import { setAuditHook } from './shared/http/route.js';
import { openApiDocument } from './shared/http/openapi.js';
import { setResponseCheck } from './shared/http/response-check.js';
import { apiDocsRouter } from './shared/http/api-docs.js';
import { isDbReady } from './shared/db.js';
import { apiDispatch } from './shared/http/api-dispatch.js';

export interface AppOptions {
  /** Extra routers mounted before the API (WeCom callbacks, static H5). */
  extraRouters?: Array<{ routes(): Koa.Middleware; allowedMethods(): Koa.Middleware }>;
  extraMiddleware?: Koa.Middleware[];
}

const READY_CHECK_MS = 800;

/** False when the check fails or takes longer than READY_CHECK_MS. */
function withinReadyBound(check: Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), READY_CHECK_MS)));
  return Promise.race([check.catch(() => false), late]).finally(() => clearTimeout(timer));
}

export function createApp(s: Services, options: AppOptions = {}): Koa {
  const { config, log, redis } = s.deps;
  // Only behind a proxy we run do X-Forwarded-For and friends mean anything; trusting them otherwise
  // lets a client pick its own IP and walk past per-IP rate limits.
  const app = new Koa({ proxy: config.TRUST_PROXY });
  app.silent = true;

  setAuditHook(async (ctx, principal, entry) => {
    if (principal.kind !== 'staff') return;
    await s.audit.record({
      tenantId: principal.tenantId,
      actorId: principal.id,
      actorRole: principal.role,
      action: `${entry.method.toUpperCase()} ${entry.path}`,
      targetType: entry.tags[0],
      targetId: (ctx.params as Record<string, string> | undefined)?.id,
      details: { status: ctx.status, ...(ctx.state.auditDetails as object | undefined) },
    });
  });

  setResponseCheck(config.API_RESPONSE_CHECK);
  app.use(errorMiddleware(log));
  for (const mw of securityMiddleware(config.CORS_ORIGINS, [new URL(config.WECOM_API_BASE).origin])) app.use(mw);

  const health = new Router();
  health.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  health.get('/readyz', async (ctx) => {
    // Each check answers within READY_CHECK_MS: a frozen dependency is "not ready", not a hung probe.
    const [mongo, redisOk] = await Promise.all([
      isDbReady()
        ? withinReadyBound(
            mongoose.connection
              .db!.admin()
              .ping()
              .then(() => true),
          )
        : false,
      withinReadyBound(redis.ping().then((r) => r === 'PONG')),
    ]);
    ctx.status = mongo && redisOk ? 200 : 503;
    ctx.body = { status: mongo && redisOk ? 'ready' : 'not ready', mongo, redis: redisOk };
  });
  // Generated on first request, once every router (the plugins' included) has joined the route table.
  let document: Record<string, unknown> | undefined;
  health.get('/api/openapi.json', (ctx) => {
    ctx.body = document ??= openApiDocument({ serverUrl: config.PUBLIC_URL });
  });
  app.use(health.routes());
  app.use(apiDocsRouter().routes());

  for (const mw of options.extraMiddleware ?? []) app.use(mw);
  for (const r of options.extraRouters ?? []) {
    app.use(r.routes());
    app.use(r.allowedMethods());
  }

  // text/csv: the console's customer import sends the file as is, parsed by the route (customer-csv.ts).
  app.use(bodyParser({ enableTypes: ['json', 'text'], extendTypes: { text: ['text/csv'] }, jsonLimit: '2mb', textLimit: '2mb', encoding: 'utf-8' }));
  app.use(
    authMiddleware(tokenKeys(config), config.DEFAULT_TENANT, (key) => s.staff.resolveApiKey(key), s.deps.now, {
      staff: (tenantId, id) => s.staff.session(tenantId, id),
      shopperIsLive: (tenantId, id, sv) => s.customers.sessions.isLive(tenantId, id, sv),
    }),
  );
  app.use(apiDispatch(apiRouters(s)));
  return app;
}
