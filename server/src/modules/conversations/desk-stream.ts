import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import type { Principal } from '../../shared/http/principal.js';
import type { Deps } from '../../shared/deps.js';
import type { DeskService } from './desk.service.js';
import { deskChannel, type DeskEvent } from './desk-live.js';
import { personMask } from '../privacy/masking.js';

/** The module APIs the console stream uses, and nothing else. */
export interface DeskStreamApis {
  deps: Deps;
  desk: DeskService;
}

/**
 * The one masking policy on a live message: a role that may not see the customer's name gets it
 * masked (the talker's name, and in the text); phones in the text are masked for every role but
 * admins, since the event does not say who owns the customer (the history, read again, shows the owner
 * their customer's phone).
 */
export function maskEvent(p: Staff, e: DeskEvent): DeskEvent {
  const msg = e.message as { author?: string; talkerName?: string; text?: string } | undefined;
  if (!msg) return e;
  const m = personMask(p, { name: msg.author === 'customer' ? msg.talkerName : undefined });
  if (m.whole) return e;
  return {
    ...e,
    message: {
      ...msg,
      talkerName: msg.author === 'customer' ? m.name(msg.talkerName) : msg.talkerName,
      text: m.text(msg.text) ?? undefined,
    } as DeskEvent['message'],
  };
}

type Staff = Extract<Principal, { kind: 'staff' }>;

/** Sales receive only their own customers' events; other desk roles see the whole desk. */
export function mayReceive(p: Staff, e: DeskEvent): boolean {
  // A mention is news for the colleagues it names and nobody else.
  if (e.type === 'mention.created') return (e.mentionedStaffIds ?? []).includes(p.id);
  if (p.role !== 'sales') return true;
  return (e.customerStaffIds ?? []).includes(p.id);
}

/**
 * Server-sent events for the console, fanned out through Redis pub/sub so any server instance can
 * stream what any other (or the bot) wrote. The stream ends after DESK_SSE_MAX_SECONDS or when the
 * server stops listening (the browser reconnects by itself); the subscription ends with it.
 */
export async function openDeskStream(s: DeskStreamApis, ctx: Context, principal: Staff, tenantId: string): Promise<undefined> {
  const stream = new PassThrough();
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  ctx.status = 200;
  ctx.body = stream;

  let closed = false;
  const write = (chunk: string) => {
    if (!closed) stream.write(chunk);
  };
  const unsubscribe = await s.desk.live.subscribe(deskChannel(tenantId), (e: DeskEvent) => {
    if (e.tenantId !== tenantId || !mayReceive(principal, e)) return;
    write(`event: ${e.type}\ndata: ${JSON.stringify(maskEvent(principal, e))}\n\n`);
  });
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), 15_000);
  // An open console is the agent's presence: while it streams, the agent counts as there.
  const markSeen = () =>
    void s.desk.handoff.seen(tenantId, principal.id).catch((err) => s.deps.log.warn({ err: (err as Error).message }, 'desk presence not recorded'));
  markSeen();
  const presence = setInterval(markSeen, Math.min(15_000, (s.deps.config.DESK_PRESENCE_TIMEOUT_SECONDS * 1000) / 3));
  // server.close() waits for open connections and says nothing to them; it does stop listening at
  // once, so a stream that sees that ends itself and lets the shutdown finish.
  const server = (ctx.req.socket as { server?: { listening: boolean } }).server;
  const watch = setInterval(() => {
    if (server && !server.listening) close(true);
  }, 250);
  const close = (shuttingDown = false) => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    clearInterval(presence);
    clearInterval(watch);
    clearTimeout(limit);
    void unsubscribe();
    // The response was sent keep-alive; an idle kept-alive socket would still hold server.close()
    // until the client drops it, so a stopping server ends the connection after the last chunk.
    if (shuttingDown) ctx.res.once('finish', () => ctx.req.socket.end());
    stream.end();
  };
  const limit = setTimeout(() => close(), s.deps.config.DESK_SSE_MAX_SECONDS * 1000);
  ctx.req.on('close', () => close());
  ctx.res.on('close', () => close());
  write(`retry: 3000\nevent: ready\ndata: {}\n\n`);
  return undefined;
}
