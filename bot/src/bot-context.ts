import type { Message, Wechaty } from 'wechaty';
import type { FileBoxInterface as FileBox } from 'file-box';
import type { Services } from '../../server/src/services.js';
import type { Logger } from '../../server/src/shared/logger.js';
import type { ChatProfile } from '../../server/src/modules/conversations/chat-profile.js';

/** One customer message the bot may answer, as the reply plugins see it. */
export interface Turn {
  message: Message;
  text: string;
  tenantId: string;
  conversationId: string;
  customerId?: string;
  /** The talker's profile as read when the message was captured; for this turn only, never kept. */
  customer?: ChatProfile;
  inRoom: boolean;
  /** Answers in the same chat as the bot; the answer is stored with the conversation. */
  reply(text: string): Promise<void>;
  /** Something answered the question: the no-match streak starts over (no write when it is 0 already). */
  matched(): Promise<void>;
}

/** A reply plugin's entry in the answer chain: higher priority asks first; true means "answered". */
export interface Responder {
  name: string;
  priority: number;
  handle(turn: Turn): Promise<boolean>;
}

interface Echo {
  messageId: string;
  expires: number;
}

/**
 * What the bot's plugins share: the services, the tenant, the logged-in account, the answer chain
 * and the expected echoes. Puppets report the account's own messages back as messages; an echo of
 * something we sent is matched here (by chat and text) so it is not stored a second time.
 */
export class BotContext {
  selfId?: string;
  readonly responders: Responder[] = [];
  private readonly echoes = new Map<string, Echo[]>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly waiting: Array<() => void> = [];
  private running = 0;

  constructor(
    readonly s: Services,
    readonly tenantId: string,
    readonly log: Logger,
    readonly bot: Wechaty,
  ) {}

  addResponder(r: Responder): () => void {
    this.responders.push(r);
    this.responders.sort((a, b) => b.priority - a.priority);
    return () => {
      const i = this.responders.indexOf(r);
      if (i >= 0) this.responders.splice(i, 1);
    };
  }

  /** Sends text to a contact or room and expects the echo; `messageId` is the stored row it belongs to. */
  async say(peer: { kind: 'private' | 'room'; peerId: string }, content: string | FileBox, messageId: string): Promise<void> {
    const target = peer.kind === 'room' ? await this.bot.Room.find({ id: peer.peerId }) : await this.bot.Contact.find({ id: peer.peerId });
    if (!target) throw new Error(`the ${peer.kind === 'room' ? 'room' : 'contact'} ${peer.peerId} is not known to this bot account`);
    // A file's echo carries no text: it is known by its name (capture asks with `fileEcho`).
    const key = echoKey(peer.peerId, typeof content === 'string' ? content : fileEcho(content.name));
    const list = this.echoes.get(key) ?? [];
    list.push({ messageId, expires: performance.now() + 120_000 });
    this.echoes.set(key, list);
    try {
      await target.say(content);
    } catch (err) {
      list.splice(
        list.findIndex((e) => e.messageId === messageId),
        1,
      );
      throw err;
    }
  }

  /** The stored row a self-sent message echoes, if we sent it. */
  takeEcho(peerId: string, text: string): string | undefined {
    const key = echoKey(peerId, text);
    const now = performance.now();
    const list = (this.echoes.get(key) ?? []).filter((e) => e.expires > now);
    const first = list.shift();
    if (list.length) this.echoes.set(key, list);
    else this.echoes.delete(key);
    return first?.messageId;
  }

  /**
   * Runs message work one at a time per chat (answers keep the customer's order; the no-match
   * streak counts correctly) and at most MAX_PARALLEL chats at once, so a burst from a busy room
   * queues here instead of flooding the database.
   */
  serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.limited(work));
    const tail = next.catch(() => undefined);
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return this.track(next);
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    while (this.running >= MAX_PARALLEL) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** Runs work the stop must wait for (a delivery in flight, a message being handled). */
  track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p)).catch(() => undefined);
    return p;
  }

  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}

// Whitespace is normalised: some puppets trim or fold it in the echo, and an echo taken for the
// owner typing on the phone would make the bot step back from the chat (see manualPauseSeconds).
/** How a sent file's echo is matched: by its name, as the puppet reports it back. */
export const fileEcho = (name: string) => `\u0001file:${name}`;
const echoKey = (peerId: string, text: string) => `${peerId}\u0000${text.trim().replace(/\s+/g, ' ')}`;
const MAX_PARALLEL = 32;

/**
 * The bot's one retry policy for writes that are safe to repeat (capture is idempotent on the
 * puppet's message id): a puppet will not deliver the message again, so a brief database hiccup
 * must not lose it.
 */
export async function withRetry<T>(work: () => Promise<T>, delaysMs: number[] = [200, 1000, 3000]): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= delaysMs.length) throw err;
      await new Promise((r) => setTimeout(r, delaysMs[attempt]));
    }
  }
}
