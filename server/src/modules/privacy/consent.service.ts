import { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { CONSENT_PURPOSES, ConsentModel, type ConsentChannel, type ConsentPurpose } from './privacy.model.js';
import { CONSENT_TEXT_VERSION } from './consent-texts.js';

export interface ConsentState {
  granted: boolean;
  /** 'recorded' when the customer made a choice; 'default' when they never did: then not granted (opt-in). */
  source: 'recorded' | 'default';
  at: Date | null;
  channel: ConsentChannel | null;
  /** The consent text version the choice was made on (null for the default, or rows older than versions). */
  version: string | null;
}

/** Who made a choice on a person's behalf, and where (an audit port: the staff module's audit log satisfies it). */
export interface ConsentAuditPort {
  record(entry: {
    tenantId: string;
    actorId: string;
    actorRole: string;
    action: string;
    targetType: string;
    targetId: string;
    details?: Record<string, unknown>;
  }): Promise<unknown>;
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
    private readonly audit?: ConsentAuditPort,
  ) {}

  async get(tenantId: string, customerId: string): Promise<Record<ConsentPurpose, ConsentState>> {
    const rows = await ConsentModel.find({ tenantId, customerId: new Types.ObjectId(customerId) }).lean();
    const optedOut = await this.marketing.isOptedOut(tenantId, customerId);
    const out = {} as Record<ConsentPurpose, ConsentState>;
    for (const purpose of CONSENT_PURPOSES) {
      const row = rows.find((r) => r.purpose === purpose);
      out[purpose] = row
        ? {
            granted: row.granted && !(purpose === 'marketing' && optedOut),
            source: 'recorded',
            at: row.at,
            channel: row.channel as ConsentChannel,
            version: row.version ?? null,
          }
        : // Opt-in (PIPL art. 14): nobody is taken to agree to marketing or profiling by saying nothing.
          { granted: false, source: 'default', at: null, channel: null, version: null };
    }
    return out;
  }

  async history(tenantId: string, customerId: string) {
    const rows = await ConsentModel.find({ tenantId, customerId: new Types.ObjectId(customerId) }).lean();
    return rows
      .flatMap((r) => r.history.map((h) => ({ purpose: r.purpose, granted: h.granted, at: h.at, channel: h.channel, version: h.version ?? null })))
      .sort((a, b) => +new Date(a.at ?? 0) - +new Date(b.at ?? 0));
  }

  /**
   * Records a choice. Withdrawing marketing consent opts the customer out of every broadcast and
   * journey send at once; granting it again lifts that opt-out. The change is in the audit log with
   * the value before and after.
   */
  async set(
    tenantId: string,
    customerId: string,
    purpose: ConsentPurpose,
    granted: boolean,
    channel: ConsentChannel,
    actor: string,
    version = CONSENT_TEXT_VERSION,
  ) {
    const at = this.deps.now();
    const filter = { tenantId, customerId: new Types.ObjectId(customerId), purpose };
    const before = await ConsentModel.findOne(filter).select({ granted: 1 }).lean();
    const update = { $set: { granted, at, channel, actor, version }, $push: { history: { granted, at, channel, actor, version } } };
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
    const [actorRole, ...rest] = actor.split(':');
    await this.audit?.record({
      tenantId,
      actorId: rest.join(':') || actor,
      actorRole,
      action: 'privacy.consent',
      targetType: 'customers',
      targetId: customerId,
      details: { purpose, channel, version, changes: { [`consents.${purpose}`]: { before: before ? before.granted : null, after: granted } } },
    });
    return this.get(tenantId, customerId);
  }

  /**
   * Choices collected elsewhere (a store's paper form, a shop's checkbox, the demo): one bulk write per
   * call. An existing opt-out (TD in chat) is left standing: a person's own later "stop" beats an
   * imported "yes", and the senders check both.
   */
  async importMany(
    tenantId: string,
    choices: Array<{ customerId: string; purpose: ConsentPurpose; granted: boolean }>,
    actor: string,
    version = CONSENT_TEXT_VERSION,
  ) {
    if (!choices.length) return { recorded: 0 };
    const at = this.deps.now();
    await ConsentModel.bulkWrite(
      choices.map((c) => ({
        updateOne: {
          filter: { tenantId, customerId: new Types.ObjectId(c.customerId), purpose: c.purpose },
          update: {
            $set: { granted: c.granted, at, channel: 'import', actor, version },
            $push: { history: { granted: c.granted, at, channel: 'import', actor, version } },
          },
          upsert: true,
        },
      })),
      { ordered: false },
    );
    const byCustomer = new Map<string, Record<string, boolean>>();
    for (const c of choices) byCustomer.set(c.customerId, { ...byCustomer.get(c.customerId), [`consents.${c.purpose}`]: c.granted });
    await this.profiles.applyAggregates(
      tenantId,
      [...byCustomer].map(([customerId, set]) => ({ customerId, update: { $set: set } })),
    );
    return { recorded: choices.length };
  }
}
