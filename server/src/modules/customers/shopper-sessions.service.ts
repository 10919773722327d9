import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { SessionCache } from '../../shared/session-cache.js';
import { signToken, tokenKeys } from '../../shared/tokens.js';
import { CustomerModel } from './customer.model.js';

interface ShopperSessionState {
  sessionVersion: number;
  erased: boolean;
}

/**
 * Shoppers' sessions: a shopper token carries the customer's session version (`sv`); a sign-out or an
 * erasure bumps it, so every token issued before is refused on its next request. The version is read
 * from MongoDB and kept briefly in process (shared/session-cache.ts), so the member center's hot path
 * pays no database read for it. A merged profile's tokens keep working (they resolve to the survivor).
 */
export class ShopperSessionService {
  private readonly cache: SessionCache<ShopperSessionState | null>;

  constructor(private readonly deps: Deps) {
    this.cache = new SessionCache(deps, 'shopper');
  }

  /** A session token for this customer (every shopper sign-in: WeChat, mini-app, demo). */
  async issue(tenantId: string, customerId: string): Promise<{ token: string; expiresAt: Date; customerId: string }> {
    const { config } = this.deps;
    const exp = Math.floor(this.deps.now().getTime() / 1000) + config.SHOPPER_TOKEN_TTL_SECONDS;
    const sv = (await this.state(tenantId, customerId))?.sessionVersion ?? 0;
    const token = await signToken(tokenKeys(config), { k: 'shopper', sub: customerId, t: tenantId, sv, exp });
    return { token, expiresAt: new Date(exp * 1000), customerId };
  }

  /**
   * Whether a token for this customer, carrying session version `sv`, may still be used. Answered
   * without waiting when the state is cached: this runs on every member-center request.
   */
  isLive(tenantId: string, customerId: string, sv: unknown): boolean | Promise<boolean> {
    const judge = (state: ShopperSessionState | null) => !!state && !state.erased && state.sessionVersion === (typeof sv === 'number' ? sv : 0);
    const hit = this.cache.peek(`${tenantId}:${customerId}`);
    return hit ? judge(hit.value) : this.state(tenantId, customerId).then(judge);
  }

  /** Ends every session of these customers (sign-out, erasure): their tokens are refused from the next request on. */
  async end(tenantId: string, customerIds: string[]): Promise<void> {
    const ids = customerIds.filter((id) => Types.ObjectId.isValid(id));
    if (!ids.length) return;
    await CustomerModel.updateMany({ tenantId, _id: { $in: ids } }, { $inc: { sessionVersion: 1 } });
    for (const id of ids) await this.cache.changed(`${tenantId}:${id}`);
  }

  private state(tenantId: string, customerId: string): Promise<ShopperSessionState | null> {
    if (!Types.ObjectId.isValid(customerId)) return Promise.resolve(null);
    return this.cache.get(`${tenantId}:${customerId}`, async () => {
      const doc = await CustomerModel.findOne({ tenantId, _id: customerId }, { status: 1, sessionVersion: 1 }).lean<{
        status?: string;
        sessionVersion?: number;
      }>();
      return doc ? { sessionVersion: doc.sessionVersion ?? 0, erased: doc.status === 'erased' } : null;
    });
  }
}
