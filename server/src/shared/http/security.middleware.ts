import type { Context, Middleware, Next } from 'koa';
import helmet from 'koa-helmet';
import compress from 'koa-compress';

/**
 * What the H5 pages may load. Scripts only from our own origin (the build has no inline script) and
 * WeCom's JS-SDK, which the sidebar loads from Tencent (h5/src/composables/use-wecom-contact.ts).
 * Inline styles stay allowed: Vue, Vant and Element Plus position popups and set colours through
 * style attributes, and vue-echarts adds a <style> element; a style cannot run code. Images may be
 * any https URL (WeChat avatars, material pictures, WeCom's contact-way QR codes), data: (QR codes we
 * draw) or come from `imageOrigins` (the WeCom API's origin: the demo's local WeCom serves its QR codes
 * over http). No upgrade-insecure-requests: the demo is opened over plain http on a LAN address, where
 * upgrading would break every asset.
 */
export const h5CspDirectives = (imageOrigins: readonly string[] = []) => ({
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'", 'https://res.wx.qq.com', 'https://open.work.weixin.qq.com'],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:', 'https:', ...imageOrigins],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'self'"],
  upgradeInsecureRequests: null,
});

/**
 * The headers every response carries, from helmet (CSP above, nosniff, frame and referrer policy,
 * HSTS, opener policy…), and compression of JSON, CSV and the static pages for clients that accept
 * it (a stream marked `no-transform`, as the desk's live events are, is left alone).
 */
export function securityMiddleware(corsOrigins: readonly string[], imageOrigins: readonly string[] = []): Middleware[] {
  return [
    compress(),
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: h5CspDirectives(imageOrigins) },
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'sameorigin' },
    }),
    cors(corsOrigins),
    noStoreForApi,
  ];
}

/** CORS only for the configured origins (there is no @koa/cors among our dependencies). */
function cors(corsOrigins: readonly string[]): Middleware {
  const allowed = new Set(corsOrigins);
  return async (ctx: Context, next: Next) => {
    const origin = ctx.get('origin');
    if (origin && allowed.has(origin)) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.vary('Origin');
      ctx.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Api-Key, Idempotency-Key');
      ctx.set('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
      if (ctx.method === 'OPTIONS') {
        ctx.status = 204;
        return;
      }
    }
    await next();
  };
}

/**
 * API answers are personal (tokens from sign-in, the shopper's /me/*, customer profiles, exports):
 * no browser, proxy or WebView cache may keep them. A route may set its own Cache-Control instead.
 */
async function noStoreForApi(ctx: Context, next: Next) {
  if (ctx.path.startsWith('/api/')) ctx.set('Cache-Control', 'no-store');
  await next();
}
