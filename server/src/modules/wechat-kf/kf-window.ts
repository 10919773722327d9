import type { Deps } from '../../shared/deps.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { KfSessionModel } from './kf.model.js';
import { sendLimitReached, windowClosed } from './wechat-kf.exception.js';

/** WeCom's rule for kf/send_msg (doc 94677): 5 messages within 48 hours of the customer's last message. */
export const KF_WINDOW_SENDS = 5;
export const KF_WINDOW_HOURS = 48;
const WINDOW_MS = KF_WINDOW_HOURS * 3600_000;

type Key = { tenantId: string; openKfId: string; externalUserId: string };

/**
 * Counts what WeCom counts, so a refusal is ours (with a reason the agent can read) rather than a
 * failed delivery later. The customer writing opens a fresh window; each send takes one of its 5.
 */
export class KfWindow {
  constructor(private readonly deps: Deps) {}

  /**
   * The customer wrote message `msgid` at `at`: a new window with all 5 sends. The same message again
   * (a redelivery, a resync) or an older one arriving late changes nothing.
   */
  async customerWrote(key: Key, at: Date, msgid: string): Promise<void> {
    // One write: a newer message moves the window (or the first one makes the row). A row that
    // exists but holds this or a later message fails the filter, so the upsert tries an insert and
    // meets the unique (tenant, kf account, customer) index: nothing to change.
    try {
      await KfSessionModel.updateOne(
        {
          ...key,
          $or: [
            { lastCustomerAt: { $exists: false } },
            { lastCustomerAt: null },
            { lastCustomerAt: { $lt: at } },
            { lastCustomerAt: at, lastCustomerMsgId: { $ne: msgid } },
          ],
        },
        { $set: { lastCustomerAt: at, lastCustomerMsgId: msgid, sentSinceCustomer: 0 } },
        { upsert: true },
      );
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }

  /** Takes one send or throws the refusal; the returned function gives it back (nothing was sent). */
  async reserve(key: Key): Promise<() => Promise<void>> {
    const since = new Date(this.deps.now().getTime() - WINDOW_MS);
    const row = await KfSessionModel.findOneAndUpdate(
      { ...key, lastCustomerAt: { $gt: since }, sentSinceCustomer: { $lt: KF_WINDOW_SENDS } },
      { $inc: { sentSinceCustomer: 1 } },
      { returnDocument: 'after' },
    ).lean();
    if (!row) {
      const current = await KfSessionModel.findOne(key).lean();
      if (!current?.lastCustomerAt || current.lastCustomerAt.getTime() <= since.getTime())
        throw windowClosed(current?.lastCustomerAt ?? undefined, KF_WINDOW_HOURS);
      throw sendLimitReached(current.lastCustomerAt, KF_WINDOW_SENDS);
    }
    const window = row.lastCustomerAt;
    return async () => {
      // Only within the same window: a customer message meanwhile started a fresh count.
      await KfSessionModel.updateOne({ ...key, lastCustomerAt: window, sentSinceCustomer: { $gt: 0 } }, { $inc: { sentSinceCustomer: -1 } });
    };
  }

  /**
   * What is left, for the inbox: sends remaining, when the window closes, and why nothing is left
   * (`closed`: 48 hours passed or the customer never wrote; `used`: the 5 sends are taken).
   */
  async state(key: Key): Promise<{ remaining: number; closesAt?: Date; reason?: 'closed' | 'used'; serviceState?: number }> {
    const row = await KfSessionModel.findOne(key).lean();
    const serviceState = row?.serviceState ?? undefined;
    if (!row?.lastCustomerAt) return { remaining: 0, reason: 'closed', serviceState };
    const closesAt = new Date(row.lastCustomerAt.getTime() + WINDOW_MS);
    if (closesAt.getTime() <= this.deps.now().getTime()) return { remaining: 0, closesAt, reason: 'closed', serviceState };
    const remaining = Math.max(0, KF_WINDOW_SENDS - (row.sentSinceCustomer ?? 0));
    return { remaining, closesAt, ...(remaining ? {} : { reason: 'used' as const }), serviceState };
  }
}
