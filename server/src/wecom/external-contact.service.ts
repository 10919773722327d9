import { Types } from 'mongoose';
import type { Deps } from '../shared/deps.js';
import type { Extensions } from '../shared/extensions.js';
import type { CustomerService } from '../modules/customers/customer.service.js';
import type { FollowUpService } from '../modules/customers/follow-up.service.js';
import type { StaffService } from '../modules/staff/staff.service.js';
import type { WecomClient } from './wecom.client.js';
import type { ExternalContact, FollowUserTag } from './wecom-api.types.js';
import type { TagSyncService } from './tag-sync.service.js';
import { Errcode, isWecomErrcode } from './wecom.exception.js';
import { normalisePhone } from '../modules/customers/identity.js';
import { isDuplicateKeyError } from '../shared/db.js';
import { WecomFollowModel } from './external-contact.model.js';
import { WecomCallbackModel } from './wecom-callback.model.js';

/** WeCom gives 20 s to use a welcome code; we stop trying a little earlier than that. */
const WELCOME_WINDOW_MS = 19_000;

/**
 * The phone a sales rep noted on the contact in WeCom (备注手机号): the key that links the WeCom
 * contact to the shop member with that phone. The first usable number counts; a typo is skipped.
 */
function remarkPhone(mobiles?: string[]): string | undefined {
  for (const m of mobiles ?? []) {
    try {
      return normalisePhone(m);
    } catch {
      /* not a phone number */
    }
  }
  return undefined;
}

type WelcomeSpec = { text?: string | null; link?: { title?: string | null; url?: string | null; desc?: string | null; picurl?: string | null } | null };

/**
 * What an add needs from the channel code (活码) behind its `state`: the welcome message, the tags to
 * mark, and the daily cap's bookkeeping. The contact-ways module provides it (extension point
 * `wecom.contact-way-lookup`); without it an add gets no welcome or tags from a code.
 */
export interface ContactWaySource {
  byState(
    tenantId: string,
    state: string | undefined,
  ): Promise<{ state: string; deleted?: boolean | null; tagIds?: string[] | null; welcome?: unknown } | null>;
  afterAdd(tenantId: string, state: string): Promise<void>;
}

declare module '../shared/extensions.js' {
  interface ExtensionPoints {
    'wecom.contact-way-lookup': ContactWaySource;
  }
}

export interface ContactEvent {
  callbackId?: string;
  userid: string;
  externalUserId: string;
  state?: string;
  welcomeCode?: string;
  createTime?: number;
  receivedAt: Date;
}

/**
 * change_external_contact: WeCom's contacts become profiles (customers.identify by external_userid and
 * unionid), the staff member who added them becomes owner/follower, the contact way's tags and
 * welcome message apply, and a lost relation raises a follow-up for the owner.
 */
export class ExternalContactService {
  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly s: { customers: CustomerService; staff: StaffService; followUps: FollowUpService; tagSync: TagSyncService },
    private readonly extensions: Extensions,
  ) {}

  /** The channel codes module, when composed: it names the code behind an add's `state`. */
  private get contactWays(): ContactWaySource | undefined {
    return this.extensions.one('wecom.contact-way-lookup');
  }

  /** Creates or merges the profile and records the relation; returns the customer id. */
  async upsertContact(
    tenantId: string,
    contact: ExternalContact,
    follow: { userid: string; createtime?: number; state?: string; remark_mobiles?: string[] },
  ): Promise<string> {
    const staff = await this.s.staff.findByWecomUserId(tenantId, follow.userid);
    const at = follow.createtime ? new Date(follow.createtime * 1000) : this.deps.now();
    const customerId = await this.s.customers.identify(
      tenantId,
      { externalUserId: contact.external_userid, unionId: contact.unionid || undefined, phone: remarkPhone(follow.remark_mobiles) },
      {
        name: contact.name,
        avatar: contact.avatar,
        gender: contact.gender === 1 ? 'male' : contact.gender === 2 ? 'female' : undefined,
        sourceChannel: follow.state ? `wecom:${follow.state}` : 'wecom',
      },
      'wecom',
    );
    await WecomFollowModel.updateOne(
      { tenantId, externalUserId: contact.external_userid, userid: follow.userid },
      {
        $set: { customerId: new Types.ObjectId(customerId), staffId: staff?.id, status: 'active', ...(follow.state ? { state: follow.state } : {}) },
        $setOnInsert: { addedAt: at },
        $unset: { lostAt: 1, lostBy: 1 },
      },
      { upsert: true },
    ).catch(async (err) => {
      // Two writers upserted the same relation at once; the row exists now, so set it again.
      if (!isDuplicateKeyError(err)) throw err;
      await WecomFollowModel.updateOne(
        { tenantId, externalUserId: contact.external_userid, userid: follow.userid },
        { $set: { customerId: new Types.ObjectId(customerId), status: 'active' } },
      );
    });
    await this.s.customers.setWecomRelation(tenantId, customerId, { relation: 'active', at, staffId: staff?.id });
    return customerId;
  }

  /** add_external_contact: welcome first (its code dies after 20 s), then profile, owner and tags. */
  async onAdd(tenantId: string, e: ContactEvent): Promise<string> {
    const way = await this.contactWays?.byState(tenantId, e.state);
    if (e.welcomeCode) await this.sendWelcome(e, way?.welcome as WelcomeSpec | undefined);
    const r = await this.client.getExternalContact(e.externalUserId);
    const follow = r.follow_user.find((f) => f.userid === e.userid);
    const customerId = await this.upsertContact(tenantId, r.external_contact, {
      userid: e.userid,
      createtime: follow?.createtime,
      state: e.state ?? follow?.state,
      remark_mobiles: follow?.remark_mobiles,
    });
    await this.s.tagSync.applyContactTags(
      tenantId,
      customerId,
      r.follow_user.flatMap((f) => f.tags ?? []),
    );
    if (way && !way.deleted) {
      if (way.tagIds?.length) {
        // Our state first (no callback comes for our own mark_tag), then WeCom.
        const ids = await this.s.tagSync.ensureCorpTags(tenantId, way.tagIds);
        await this.s.customers.tag(tenantId, customerId, way.tagIds, [], 'wecom-sync');
        await this.client.markTag({ userid: e.userid, external_userid: e.externalUserId, add_tag: [...ids.values()] });
      }
      await this.contactWays?.afterAdd(tenantId, way.state);
    }
    return customerId;
  }

  /**
   * The 'wecom.welcome' job: only the welcome message of an add event, on its own fast lane, so a
   * burst of scans (a poster at a store event) is greeted within WeCom's 20 s even while the slower
   * profile work queues up. Whichever of this and onAdd comes first sends; the other finds it claimed.
   */
  async welcomeFor(callbackId: string): Promise<void> {
    if (!Types.ObjectId.isValid(callbackId)) return;
    const cb = await WecomCallbackModel.findOne({ _id: callbackId }).lean();
    const f = cb?.data as Record<string, string> | undefined;
    if (!cb || !f?.WelcomeCode || cb.welcome?.status) return;
    const way = await this.contactWays?.byState(cb.tenantId, f.State || undefined);
    await this.sendWelcome(
      { callbackId, userid: f.UserID, externalUserId: f.ExternalUserID, state: f.State || undefined, welcomeCode: f.WelcomeCode, receivedAt: cb.receivedAt },
      way?.welcome as WelcomeSpec | undefined,
    );
  }

  private async sendWelcome(e: ContactEvent, welcome: WelcomeSpec | undefined) {
    const mark = (status: string, detail?: string) =>
      e.callbackId ? WecomCallbackModel.updateOne({ _id: e.callbackId }, { $set: { welcome: { status, at: this.deps.now(), detail } } }) : Promise.resolve();
    if (e.callbackId) {
      // Claimed by one conditional update: the welcome job and the processing job may both get here.
      const claim = await WecomCallbackModel.updateOne(
        { _id: e.callbackId, 'welcome.status': { $exists: false } },
        { $set: { welcome: { status: 'sending', at: this.deps.now() } } },
      );
      if (!claim.modifiedCount) return;
    }
    if (!welcome?.text && !welcome?.link?.url) return void (await mark('skipped', 'no welcome message for this contact way'));
    if (this.deps.now().getTime() - e.receivedAt.getTime() > WELCOME_WINDOW_MS) return void (await mark('late', 'the 20-second welcome window had passed'));
    try {
      await this.client.sendWelcomeMsg({
        welcome_code: e.welcomeCode!,
        ...(welcome.text ? { text: { content: welcome.text } } : {}),
        ...(welcome.link?.url
          ? {
              attachments: [
                {
                  msgtype: 'link' as const,
                  link: {
                    title: welcome.link.title ?? welcome.link.url,
                    url: welcome.link.url,
                    desc: welcome.link.desc ?? undefined,
                    picurl: welcome.link.picurl ?? undefined,
                  },
                },
              ],
            }
          : {}),
      });
      await mark('sent');
    } catch (err) {
      if (isWecomErrcode(err, Errcode.WELCOME_ALREADY_SENT)) return void (await mark('already_sent'));
      if (isWecomErrcode(err, Errcode.INVALID_WELCOME_CODE))
        return void (await mark('late', 'WeCom no longer accepts this welcome code (41050: expired or invalid)'));
      await mark('failed', (err as Error).message);
      this.deps.log.warn({ err: (err as Error).message, externalUserId: e.externalUserId }, 'welcome message failed');
    }
  }

  /** edit_external_contact: refresh the profile and mirror the contact's corp tags. */
  async onEdit(tenantId: string, e: ContactEvent): Promise<string> {
    const r = await this.client.getExternalContact(e.externalUserId);
    const follow = r.follow_user.find((f) => f.userid === e.userid);
    const customerId = await this.upsertContact(tenantId, r.external_contact, {
      userid: e.userid,
      createtime: follow?.createtime,
      remark_mobiles: follow?.remark_mobiles,
    });
    await this.s.tagSync.applyContactTags(
      tenantId,
      customerId,
      r.follow_user.flatMap((f): FollowUserTag[] => f.tags ?? []),
    );
    return customerId;
  }

  /** Hook handler for 'customer.merged': relations follow the surviving profile (group memberships: customer-groups). */
  async onMerged(p: { tenantId: string; fromId: string; toId: string }): Promise<void> {
    await WecomFollowModel.updateMany({ tenantId: p.tenantId, customerId: p.fromId }, { $set: { customerId: new Types.ObjectId(p.toId) } });
  }

  /** del_external_contact (staff removed the customer) or del_follow_user (customer removed the staff). */
  async onLost(tenantId: string, e: ContactEvent, by: 'staff' | 'customer'): Promise<void> {
    const at = e.createTime ? new Date(e.createTime * 1000) : this.deps.now();
    const row = await WecomFollowModel.findOneAndUpdate(
      { tenantId, externalUserId: e.externalUserId, userid: e.userid },
      { $set: { status: 'lost', lostAt: at, lostBy: by } },
      { returnDocument: 'after' },
    ).lean();
    const customerId = row ? String(row.customerId) : await this.s.customers.findByIdentity(tenantId, { externalUserId: e.externalUserId });
    if (!customerId) return;
    const stillFollowed = await WecomFollowModel.countDocuments({ tenantId, customerId, status: 'active' });
    if (!stillFollowed) await this.s.customers.setWecomRelation(tenantId, customerId, { relation: 'lost', at });
    const customer = await this.s.customers.get(tenantId, customerId);
    const staff = await this.s.staff.findByWecomUserId(tenantId, e.userid);
    const name = customer.name ?? 'A customer';
    await this.s.followUps.create(tenantId, {
      customerId: String(customer._id),
      assigneeId: customer.ownerStaffId ?? staff?.id,
      title:
        by === 'customer'
          ? `${name} removed ${staff?.name ?? e.userid} on WeCom: reach out another way`
          : `${staff?.name ?? e.userid} removed ${name} on WeCom: check whether this was intended`,
      source: 'wecom',
      dueAt: new Date(at.getTime() + 24 * 3600_000),
      dedupeKey: `wecom-lost:${e.externalUserId}:${e.userid}:${e.createTime ?? at.getTime()}`,
    });
  }
}
