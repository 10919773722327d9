import { Types } from 'mongoose';
import { startTestApp, type TestApp } from '../../support/harness.js';
import { startFakeWecom, type FakeWecom } from '../../../scripts/wecom-fake/fake-wecom.js';
import { setFakeClock } from '../../../scripts/wecom-fake/fake-corp.js';
import { CustomerModel, IdentityModel } from '../../../server/src/modules/customers/customer.model.js';
import { grantMarketing } from '../../support/consent.js';

/**
 * Our server wired to a local WeCom (the fake speaks the real HTTP API) with no worker of its own:
 * tests drive the dispatcher directly or through separate worker processes.
 */
export interface BroadcastTestbed {
  app: TestApp;
  fake: FakeWecom;
  tenantId: string;
  manager: string;
  /** Staff linked to a WeCom userid the fake corp knows. */
  staff(wecomUserId: string): Promise<string>;
  /**
   * Bulk-creates WeCom contacts of `ownerWecomUserId` and their profiles (tagged), returns customer ids.
   * They agreed to marketing (grantMarketing) unless `consent: false`: consent is opt-in.
   */
  contacts(n: number, owner: { staffId: string; wecomUserId: string }, tagId: string, prefix: string, options?: { consent?: boolean }): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startBroadcastTestbed(options: { env?: Record<string, string>; now?: () => Date } = {}): Promise<BroadcastTestbed> {
  const fake = await startFakeWecom();
  setFakeClock(options.now);
  const app = await startTestApp({ env: { ...fake.env(), ROLES: 'server', ...options.env }, now: options.now });
  const tenantId = app.config.DEFAULT_TENANT;
  const manager = (await app.staff('community_manager')).token;
  let n = 0;
  return {
    app,
    fake,
    tenantId,
    manager,
    async staff(wecomUserId) {
      fake.corp.addStaff(wecomUserId, wecomUserId);
      const created = await app.rt.services.staff.create(tenantId, {
        username: `${wecomUserId}_${++n}`,
        name: wecomUserId,
        role: 'sales',
        password: 'harbor-kettle-2026',
        wecomUserId,
      });
      return created.id;
    },
    async contacts(count, owner, tagId, prefix, options = {}) {
      const docs = [];
      for (let i = 0; i < count; i++) {
        const ext = `wm${prefix}${String(i).padStart(6, '0')}`;
        fake.corp.upsertContact({ name: `${prefix}${i}`, external_userid: ext });
        fake.corp.follow(owner.wecomUserId, ext);
        docs.push({
          _id: new Types.ObjectId(),
          tenantId,
          status: 'active',
          name: `${prefix}${i}`,
          ownerStaffId: owner.staffId,
          followerStaffIds: [owner.staffId],
          tags: [tagId],
          identities: [{ type: 'externalUserId', value: ext }],
          wecom: { relation: 'active' },
          aggregates: { orderCount: 0, totalPaid: 0, refundCount: 0, refundedAmount: 0 },
          consents: {},
          sourceChannel: 'wecom',
          gender: 'unknown',
        });
      }
      // Profiles arrive in bulk here as a WeCom full sync would bring them; one insert keeps setup fast.
      await CustomerModel.collection.insertMany(docs);
      // With their identity rows, so an order event naming the externalUserId lands on the same profile.
      await IdentityModel.collection.insertMany(docs.map((d) => ({ tenantId, type: 'externalUserId', key: d.identities[0].value, customerId: d._id })));
      const ids = docs.map((d) => String(d._id));
      if (options.consent !== false) await grantMarketing(app.rt.services, tenantId, ids);
      return ids;
    },
    async stop() {
      setFakeClock(undefined);
      await app.stop();
      await fake.stop();
    },
  };
}

/** Every external contact the local WeCom was asked to message, with how many times, per campaign text. */
export function sentTo(fake: FakeWecom, text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of fake.corp.msgTemplates.values()) {
    if (t.input.text?.content !== text) continue;
    for (const r of t.results) if (r.external_userid) counts.set(r.external_userid, (counts.get(r.external_userid) ?? 0) + 1);
  }
  return counts;
}
