import { Types } from 'mongoose';
import { isDuplicateKeyError } from '../shared/db.js';
import { MiniappConsentModel } from './miniapp.model.js';

/** The mini-app's consent records (`miniapp_consents`), kept here; shopper sign-in records the phone binding's. */
export class MiniappConsentService {
  /** The shopper agreed to bind their phone under `policyVersion` (one row per shopper, the latest kept). */
  async recordPhoneConsent(tenantId: string, customerId: string, policyVersion: string, at: Date): Promise<void> {
    try {
      await MiniappConsentModel.updateOne(
        { tenantId, customerId: new Types.ObjectId(customerId), kind: 'phone' },
        { $set: { policyVersion, consentedAt: at } },
        { upsert: true },
      );
    } catch (err) {
      // Two binds raced on the unique index: the other one recorded the same consent.
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
}
