import { Types } from 'mongoose';
import type { Logger } from '../../shared/logger.js';
import { MessageModel } from './conversation.model.js';

type Doc = Record<string, unknown> & { _id: Types.ObjectId };

interface Entry {
  doc: Doc;
  /** An id the row was given after it was queued (the puppet's echo of a bot reply): dropped if taken. */
  lateExternalId?: boolean;
  /** Kept out of batches until released (or this timer runs out): more is about to be known of it. */
  hold?: NodeJS.Timeout;
  settled: Promise<'inserted' | 'duplicate'>;
  resolve(r: 'inserted' | 'duplicate'): void;
  reject(err: unknown): void;
}

/**
 * Chat messages are written in small batches: at 500 messages a second, one `insertMany` (unordered)
 * every few milliseconds instead of one insert per message, inbound and answers alike. A caller that
 * must know the row is stored (capture: a customer's message is acknowledged only once it is, and a
 * puppet redelivery is told apart by the unique `externalId` index) awaits `insert()`, which settles
 * with its batch; the bot's own answer is queued and said at once, and its delivery mark and echo id
 * are put on the queued row instead of costing an update each. `close()` writes what is queued (the
 * bot's stop and the runtime's shutdown call it), so nothing queued is lost on a clean stop.
 */
export class MessageWriter {
  private queue: Entry[] = [];
  private readonly queued = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Entry>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: Logger,
    private readonly opts: { maxWaitMs: number; maxBatch: number } = { maxWaitMs: MESSAGE_BATCH_MS, maxBatch: 200 },
  ) {}

  /**
   * Queues one message row (cast by the schema, with its defaults); resolves once its batch is written.
   * `holdMs`: the row waits (at most that long) for `release()`, so what the caller learns next
   * (the answer was said, the puppet's echo id) is written with it rather than after it.
   */
  insert(fields: Record<string, unknown>, opts: { holdMs?: number } = {}): { id: Types.ObjectId; stored: Promise<'inserted' | 'duplicate'> } {
    // Cast by the schema without building a mongoose document (a tenth of the bot's CPU at 500
    // messages/s went to constructing and flattening one per row); the schema's defaults are these.
    const doc: Doc = { _id: new Types.ObjectId(), ...MessageModel.castObject({ type: 'text', text: '', ...fields }) };
    let resolve!: Entry['resolve'];
    let reject!: Entry['reject'];
    const settled = new Promise<'inserted' | 'duplicate'>((res, rej) => ((resolve = res), (reject = rej)));
    // Nobody may be awaiting a queued answer: its failure is logged by the flush, not thrown unheard.
    settled.catch(() => undefined);
    const entry: Entry = { doc, settled, resolve, reject };
    const id = String(doc._id);
    if (opts.holdMs) entry.hold = setTimeout(() => this.release(id), opts.holdMs);
    this.queue.push(entry);
    this.queued.set(id, entry);
    if (!entry.hold) this.flushSoon(this.queue.length >= this.opts.maxBatch ? 0 : this.opts.maxWaitMs);
    return { id: doc._id, stored: settled };
  }

  /** A held row may go with the next batch. */
  release(id: string): void {
    const entry = this.queued.get(id);
    if (!entry?.hold) return;
    clearTimeout(entry.hold);
    entry.hold = undefined;
    this.flushSoon(this.opts.maxWaitMs);
  }

  /**
   * Sets fields on a row still queued (true), or waits for a row being written and answers false:
   * the caller then updates it in the database as before. `complete`: whether the row, with these
   * fields, is all it will be; a held row is then released.
   */
  async patch(id: string, fields: Record<string, unknown>, complete?: (doc: Record<string, unknown>) => boolean): Promise<boolean> {
    const entry = this.queued.get(id);
    if (entry) {
      Object.assign(entry.doc, fields);
      if ('externalId' in fields) entry.lateExternalId = true;
      if (complete?.(entry.doc)) this.release(id);
      return true;
    }
    await this.inFlight.get(id)?.settled.catch(() => undefined);
    return false;
  }

  /** Writes everything queued now, held rows too, and waits for it (also what was already being written). */
  async flush(): Promise<void> {
    for (const e of this.queue) {
      clearTimeout(e.hold);
      e.hold = undefined;
    }
    this.flushSoon(0);
    await this.flushing;
    while (this.queue.length) {
      this.flushSoon(0);
      await this.flushing;
    }
  }

  close(): Promise<void> {
    return this.flush();
  }

  private flushSoon(ms: number): void {
    const write = () => (this.flushing = this.flushing.then(() => this.writeBatch()));
    if (ms === 0) {
      // Chained at once, so flush() can await it without waiting for the timer.
      clearTimeout(this.timer);
      this.timer = undefined;
      write();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      write();
    }, ms);
  }

  private async writeBatch(): Promise<void> {
    const batch: Entry[] = [];
    const held: Entry[] = [];
    for (const e of this.queue) (e.hold || batch.length >= this.opts.maxBatch ? held : batch).push(e);
    this.queue = held;
    if (!batch.length) return;
    if (held.some((e) => !e.hold)) this.flushSoon(0);
    for (const e of batch) {
      const id = String(e.doc._id);
      this.queued.delete(id);
      this.inFlight.set(id, e);
    }
    const duplicates = new Set<number>();
    let failed: unknown;
    for (let attempt = 0; ; attempt++) {
      try {
        await MessageModel.collection.insertMany(
          batch.map((e) => e.doc),
          { ordered: false },
        );
        break;
      } catch (err) {
        const writeErrors = [(err as { writeErrors?: unknown }).writeErrors ?? []].flat() as Array<{ index: number; code?: number; err?: { code?: number } }>;
        const dup = writeErrors.filter((w) => (w.code ?? w.err?.code) === 11000);
        if (writeErrors.length && dup.length === writeErrors.length) {
          for (const w of dup) duplicates.add(w.index);
          break;
        }
        // A transient failure: the batch is written again (rows already in are then duplicates).
        if (attempt >= RETRY_DELAYS_MS.length) {
          failed = err;
          break;
        }
        await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]));
      }
    }
    for (const [i, e] of batch.entries()) {
      const id = String(e.doc._id);
      if (failed) {
        this.log.error({ err: (failed as Error).message, messageId: id }, 'chat message not stored');
        e.reject(failed);
      } else if (duplicates.has(i) && e.lateExternalId) {
        // The echo id was stored before (a redelivered echo): the answer itself still goes in, without it.
        delete e.doc.externalId;
        await MessageModel.collection.insertOne(e.doc).then(
          () => e.resolve('inserted'),
          (err) => (String((err as { code?: number }).code) === '11000' ? e.resolve('duplicate') : e.reject(err)),
        );
      } else e.resolve(duplicates.has(i) ? 'duplicate' : 'inserted');
      this.inFlight.delete(id);
    }
  }
}

/** How long a chat message may wait for others to share its write (stated in the README's bot section). */
export const MESSAGE_BATCH_MS = 5;
const RETRY_DELAYS_MS = [200, 1000, 3000];
