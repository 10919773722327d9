import type { Middleware } from 'koa';
import type { RuntimePlugin } from '../runtime.js';
import { wecomCallbackRouter } from './wecom-callback.routes.js';

/** Mounts the callback URL; callbacks are queued on the worker. */
export function wecomPlugin(): RuntimePlugin {
  return {
    name: 'wecom',
    app: (s, worker) => {
      const router = wecomCallbackRouter(s, (name, data) => worker.now(name, data));
      // @koa/router's composed middleware type is narrower than Koa's; at runtime it is plain middleware.
      return {
        extraRouters: [{ routes: () => router.routes() as unknown as Middleware, allowedMethods: () => router.allowedMethods() as unknown as Middleware }],
      };
    },
  };
}
