import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { CONSENT_PURPOSES, ConsentModel, type ConsentChannel, type ConsentPurpose } from './privacy.model.js';

export interface ConsentState {
  granted: boolean;
  /** 'recorded' when the customer made a choice; 'default' when they never did (the brand's terms apply). */
  source: 'recorded' | 'default';
  at: Date | null;
  channel: ConsentChannel | null;
}

/** Marketing is also an opt-out in the broadcasts module, which every send and journey checks. */
export interface MarketingOptOutPort {
  optOut(tenantId: string, customerId: string, source: string): Promise<unknown>;
  optIn(tenantId: string, customerId: string): Promise<unknown>;
  isOptedOut(tenantId: string, customerId: string): Promise<boolean>;
}

/** The profile's own mirror of the choices (`consents.<purpose>`), written through the customers service. */
export interface ProfilePort {
  applyAggregates(tenantId: string, updates: Array<{ customerId: string; update: Record<string, unknown> }>): Promise<void>;
}

export class ConsentService {
  constructor(
    private readonly deps: Deps,
    private readonly marketing: MarketingOptOutPort,
    private readonly profiles: ProfilePort,
  ) {}

  async get(tenantId: string, customerId: string): Promise<Record<ConsentPurpose, ConsentState>> {
    const rows = await ConsentModel.find({ tenantId, customerId: new Types.ObjectId(customerId) }).lean();
    const optedOut = await this.marketing.isOptedOut(tenantId, customerId);
    const out = {} as Record<ConsentPurpose, ConsentState>;
    for (const purpose of CONSENT_PURPOSES) {
      const row = rows.find((r) => r.purpose === purpose);
      out[purpose] = row
        ? { granted: row.granted, source: 'recorded', at: row.at, channel: row.channel as ConsentChannel }
        : { granted: purpose === 'marketing' ? !optedOut : true, source: 'default', at: null, channel: null };
    }
    return out;
  }

  async history(tenantId: string, customerId: string) {
    const rows = await ConsentModel.find({ tenantId, customerId: new Types.ObjectId(customerId) }).lean();
    return rows.flatMap((r) => r.history.map((h) => ({ purpose: r.purpose, granted: h.granted, at: h.at, channel: h.channel })));
  }

  /**
   * Records a choice. Withdrawing marketing consent opts the customer out of every broadcast and
   * journey send at once; granting it again lifts that opt-out.
   */
  async set(tenantId: string, customerId: string, purpose: ConsentPurpose, granted: boolean, channel: ConsentChannel, actor: string) {
    const at = this.deps.now();
    const filter = { tenantId, customerId: new Types.ObjectId(customerId), purpose };
    const update = { $set: { granted, at, channel, actor }, $push: { history: { granted, at, channel, actor } } };
    try {
      await ConsentModel.updateOne(filter, update, { upsert: true });
    } catch (err) {
      // Two first choices at once: the other insert won the unique index; apply ours as an update.
      if (!isDuplicateKeyError(err)) throw err;
      await ConsentModel.updateOne(filter, update);
    }
    // Withdrawing profiling also drops what profiling derived (scores, churn prediction); the RFM
    // jobs skip the customer from then on (PROFILING_ALLOWED).
    const mirror = { $set: { [`consents.${purpose}`]: granted }, ...(purpose === 'profiling' && !granted ? { $unset: { rfm: '' } } : {}) };
    await this.profiles.applyAggregates(tenantId, [{ customerId, update: mirror }]);
    if (purpose === 'marketing') {
      if (granted) await this.marketing.optIn(tenantId, customerId);
      else await this.marketing.optOut(tenantId, customerId, `consent:${channel}`);
    }
    return this.get(tenantId, customerId);
  }
}
