import type { Middleware } from 'koa';
import type { RuntimePlugin } from '../../runtime.js';
import type { Deps } from '../../shared/deps.js';
import type { DeskService } from './desk.service.js';
import type { Principal } from '../../shared/http/principal.js';

/**
 * Any request a staff member's console makes counts as a sign of life for the desk's presence
 * (besides the inbox's live stream), so an agent reading a profile is not taken for gone. Throttled
 * per staff member and process: one write per interval at most.
 */
function presenceMiddleware(s: { deps: Deps; desk: DeskService }): Middleware {
  const every = Math.min(15_000, (s.deps.config.DESK_PRESENCE_TIMEOUT_SECONDS * 1000) / 3);
  const last = new Map<string, number>();
  return async (ctx, next) => {
    await next();
    const p = ctx.state.principal as Principal | undefined;
    if (p?.kind !== 'staff' || ctx.status >= 400) return;
    // By the product's clock, which is what the presence timeout is measured in.
    const now = s.deps.now().getTime();
    if (now - (last.get(p.id) ?? 0) < every) return;
    last.set(p.id, now);
    if (last.size > 10_000) last.clear();
    void s.desk.handoff.seen(p.tenantId, p.id).catch((err) => s.deps.log.warn({ err: (err as Error).message }, 'desk presence not recorded'));
  };
}

/**
 * The desk's part in a process's life: counts console requests as presence, and writes the chat
 * messages still queued when the process stops. List it before the bot, so the bot stops first. (The
 * desk's Redis subscriber is closed by the runtime, after the jobs, in every process.)
 */
export function deskRuntimePlugin(): RuntimePlugin {
  return {
    name: 'desk',
    app: (s) => ({ extraMiddleware: [presenceMiddleware(s)] }),
    async start(s) {
      return async () => {
        // Chat messages still queued for their batch are written before the process goes.
        await s.desk.conversations.writer.close().catch((err) => s.deps.log.error({ err: (err as Error).message }, 'queued chat messages not written'));
      };
    },
  };
}
