import { EventEmitter } from 'node:events';
import type { Redis } from '../../shared/redis.js';
import type { Logger } from '../../shared/logger.js';

/**
 * Live updates across processes through Redis pub/sub; MongoDB stays the truth, so a missed
 * notice only delays (the bot also polls, consoles reload history). One subscriber connection per
 * process fans out to local listeners; channels are subscribed while someone listens.
 */
export interface DeskEvent {
  type: 'message.created' | 'message.delivery' | 'conversation.updated' | 'sla.warning' | 'sla.breached' | 'mention.created';
  tenantId: string;
  conversationId: string;
  state?: string | null;
  assigneeId?: string | null;
  /** Owner and followers of the customer, so sales only receive their own customers' events. */
  customerStaffIds?: string[];
  /** For mentions: the colleagues named in the note (only they receive the event). */
  mentionedStaffIds?: string[];
  /** For SLA breaches: the role told about it. */
  escalatedTo?: string;
  /** For SLA breaches in a team with a manager: that manager. */
  escalatedToId?: string;
  escalatedToName?: string;
  message?: Record<string, unknown>;
  at: string;
}

export const deskChannel = (tenantId: string) => `desk:events:${tenantId}`;
export const outboundChannel = (botAccountId: string) => `desk:outbound:${botAccountId}`;

export class DeskLive {
  private subscriber?: Redis;
  private readonly local = new EventEmitter();
  private readonly counts = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {
    this.local.setMaxListeners(0);
  }

  async publish(channel: string, payload: unknown): Promise<void> {
    // A lost notice must not fail the write that caused it: the DB already holds the change.
    await this.redis.publish(channel, JSON.stringify(payload)).catch((err) => this.log.warn({ err: err.message, channel }, 'desk publish failed'));
  }

  event(e: Omit<DeskEvent, 'at'> & { at?: string }): Promise<void> {
    return this.publish(deskChannel(e.tenantId), { ...e, at: e.at ?? this.now().toISOString() });
  }

  /** Listens on a channel until the returned function is called; T is what this channel's publishers (this code) send. */
  async subscribe<T = unknown>(channel: string, listener: (payload: T) => void): Promise<() => Promise<void>> {
    // Closed with its process: a late caller (a job finishing during shutdown) gets nothing to listen
    // to, rather than a new connection that nothing would close.
    if (this.closed) return async () => undefined;
    if (!this.subscriber) {
      this.subscriber = this.redis.duplicate();
      this.subscriber.on('error', (err) => this.log.warn({ err: err.message }, 'desk subscriber error'));
      this.subscriber.on('message', (ch: string, raw: string) => {
        let payload: unknown;
        try {
          payload = JSON.parse(raw);
        } catch {
          return;
        }
        this.local.emit(ch, payload);
      });
    }
    this.local.on(channel, listener);
    const n = (this.counts.get(channel) ?? 0) + 1;
    this.counts.set(channel, n);
    if (n === 1) await this.subscriber.subscribe(channel);
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      this.local.off(channel, listener);
      const left = (this.counts.get(channel) ?? 1) - 1;
      this.counts.set(channel, left);
      if (left === 0) {
        this.counts.delete(channel);
        await this.subscriber?.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  listenerCount(channel: string): number {
    return this.counts.get(channel) ?? 0;
  }

  close(): void {
    this.closed = true;
    this.subscriber?.disconnect();
    this.subscriber = undefined;
    this.counts.clear();
    this.local.removeAllListeners();
  }
}
