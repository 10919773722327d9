import mongoose, { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import { notFound } from '../../shared/app-error.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { AuditService } from '../staff/audit.service.js';
import { ErasureModel } from './privacy.model.js';
import { shopperCache } from '../../shared/cache/shopper-cache.js';
import { wecomErasureView, type WecomErasure } from './erasure-wecom.service.js';

/** Order fields that carry no personal data: kept so totals, RFM and refunds still add up. */
const KEPT_EVENT_FIELDS = ['orderId', 'amount', 'refundAmount', 'refundId', 'items', 'productId', 'category', 'points', 'currency'];

type Col = ReturnType<typeof mongoose.connection.collection>;

/**
 * Erasure (PIPL art. 47). Personal data is spread over many modules' collections, so this is the one
 * reviewed place that lists all of them: a deliberate exception to "a service writes only its own
 * collections", because an erasure must be complete and checkable in one read. The erasure test
 * searches every collection for the erased values, so a new collection holding personal data that is
 * missing here fails it.
 *
 * Kept: the anonymised profile shell (id, status 'erased', order aggregates), the points ledger and
 * coupons (opaque ids and numbers), consent records, opt-outs and the audit log. Every step is a
 * delete or an unset, so a repeated or resumed erasure is harmless.
 */
export class ErasureService {
  constructor(
    private readonly deps: Deps,
    private readonly customers: CustomerService,
    private readonly audit: AuditService,
    private readonly wecom?: WecomErasure,
    /** The desk's attachment store (GridFS or disk): the files a person's chats carried go with them. */
    private readonly attachments?: { remove(tenantId: string, ids: string[]): Promise<number> },
    /** The desk's kept chat profiles (the bot's): an erased one must not take the next message. */
    private readonly forgetChatProfile?: (tenantId: string, customerId: string) => Promise<void>,
  ) {}

  private col(name: string): Col {
    return mongoose.connection.collection(name);
  }

  async status(tenantId: string, customerId: string) {
    if (!Types.ObjectId.isValid(customerId)) return null;
    const id = new Types.ObjectId(customerId);
    return ErasureModel.findOne({ tenantId, $or: [{ customerId: id }, { profileIds: id }] }).lean();
  }

  /** Erasures for the admin's list: ids, times, counts and the WeCom part's state (never erased values). */
  async list(tenantId: string, filter: { wecomPending?: boolean; limit?: number } = {}) {
    const rows = await ErasureModel.find({ tenantId, ...(filter.wecomPending ? { wecomPending: { $gt: 0 } } : {}) })
      .sort({ requestedAt: -1 })
      .limit(filter.limit ?? 50)
      .lean();
    return rows.map((r) => ({ ...view(r, true), requestedBy: r.requestedBy, already: undefined }));
  }

  async erase(tenantId: string, customerId: string, requestedBy: { id: string; role: string }) {
    const done = await this.status(tenantId, customerId);
    if (done?.status === 'done') return view(done, true);
    const profile = done ? null : await this.customers.get(tenantId, customerId).catch(() => null);
    if (!done && !profile) throw notFound('Customer');
    const rootId = new Types.ObjectId(profile ? String(profile._id) : customerId);

    const key = { tenantId, customerId: rootId };
    try {
      await ErasureModel.create({ ...key, status: 'running', requestedBy: `${requestedBy.role}:${requestedBy.id}`, requestedAt: this.deps.now() });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await ErasureModel.findOne(key).lean();
      if (existing?.status === 'done') return view(existing, true);
      // A previous run stopped half-way: every step is idempotent, so run them all again.
    }

    const ids = await this.profileIds(tenantId, rootId);
    // WeCom first, while the relations and tags that say what to erase there are still ours to read.
    const wecomTasks = (await this.wecom?.plan(tenantId, ids)) ?? [];
    const wecomRun = (await this.wecom?.run(wecomTasks)) ?? { done: 0, left: [] };
    const wecom = { connected: !!this.wecom?.connected, done: wecomRun.done, pending: wecomRun.left, lastTriedAt: this.deps.now() };
    const counts = await this.eraseEverywhere(tenantId, ids);
    // The audit log keeps who did what to the person, not the values they changed (personal-data-audit.ts).
    const scrubbed = await this.col('audit_log').updateMany(
      { tenantId, targetType: 'customers', targetId: { $in: ids.map(String) }, 'details.changes': { $exists: true } },
      { $unset: { 'details.changes': '' }, $set: { 'details.valuesErased': true } },
    );
    counts.audit_log = scrubbed.modifiedCount;
    // Their tokens now answer 404: nothing cached for them may still be served.
    const cache = shopperCache(this.deps);
    for (const id of ids) await cache.changed(tenantId, String(id));
    for (const id of ids) await this.forgetChatProfile?.(tenantId, String(id));
    // And their sessions end: every token of these profiles is refused (401) from the next request on.
    await this.customers.sessions.end(tenantId, ids.map(String));
    const row = await ErasureModel.findOneAndUpdate(
      key,
      { $set: { status: 'done', doneAt: this.deps.now(), profiles: ids.length, profileIds: ids, counts, wecom, wecomPending: wecom.pending.length } },
      { returnDocument: 'after' },
    ).lean();
    await this.audit.record({
      tenantId,
      actorId: requestedBy.id,
      actorRole: requestedBy.role,
      action: 'privacy.erasure',
      targetType: 'customers',
      targetId: String(rootId),
      details: { profiles: ids.length, counts, wecom: wecomErasureView(wecom) },
    });
    return view(row!, false);
  }

  /** The profile and every profile merged into it (they hold the same person's older data). */
  private async profileIds(tenantId: string, rootId: Types.ObjectId): Promise<Types.ObjectId[]> {
    const seen = new Map<string, Types.ObjectId>([[String(rootId), rootId]]);
    let frontier = [rootId];
    while (frontier.length) {
      const merged = await this.col('customer_merges')
        .find({ tenantId, toId: { $in: frontier } })
        .project({ fromId: 1 })
        .toArray();
      frontier = merged.map((m) => m.fromId as Types.ObjectId).filter((id) => !seen.has(String(id)));
      for (const id of frontier) seen.set(String(id), id);
    }
    return [...seen.values()];
  }

  private async eraseEverywhere(tenantId: string, ids: Types.ObjectId[]): Promise<Record<string, number>> {
    const idStrings = ids.map(String);
    const counts: Record<string, number> = {};
    const note = (name: string, n: number | undefined) => {
      counts[name] = (counts[name] ?? 0) + (n ?? 0);
    };

    // The identity values (external_userid, openid, unionid, phone, chat contact id) other collections key on.
    const identityRows = await this.col('customer_identities')
      .find({ tenantId, customerId: { $in: ids } })
      .project({ type: 1, key: 1 })
      .toArray();
    const profiles = await this.col('customers')
      .find({ tenantId, _id: { $in: ids } })
      .project({ identities: 1 })
      .toArray();
    const handles = [
      ...new Set([
        ...identityRows.map((r) => String(r.key)),
        ...profiles.flatMap((p) => (p.identities ?? []).map((i: { value?: string }) => i.value)).filter(Boolean),
      ]),
    ] as string[];

    // Chats: private conversations go entirely; in rooms, the person's own messages and membership.
    const convs = await this.col('conversations')
      .find({ tenantId, customerId: { $in: ids } })
      .project({ _id: 1 })
      .toArray();
    const convIds = convs.map((c) => c._id);
    // The files those messages carried (pictures, documents, voice, video) first, while the rows still name them.
    const carrying = {
      tenantId,
      'media.attachmentId': { $type: 'string' },
      $or: [{ conversationId: { $in: convIds } }, { customerId: { $in: ids } }, ...(handles.length ? [{ talkerId: { $in: handles } }] : [])],
    };
    const files = (await this.col('conversation_messages').find(carrying).project({ 'media.attachmentId': 1 }).toArray()).map((m) =>
      String(m.media.attachmentId),
    );
    const outFiles = (
      await this.col('outbound_messages')
        .find({ tenantId, conversationId: { $in: convIds }, 'attachment.attachmentId': { $type: 'string' } })
        .project({ 'attachment.attachmentId': 1 })
        .toArray()
    ).map((m) => String(m.attachment.attachmentId));
    if (this.attachments) note('desk_attachments', await this.attachments.remove(tenantId, [...files, ...outFiles]));
    note('conversation_messages', (await this.col('conversation_messages').deleteMany({ tenantId, conversationId: { $in: convIds } })).deletedCount);
    note('conversation_messages', (await this.col('conversation_messages').deleteMany({ tenantId, customerId: { $in: ids } })).deletedCount);
    if (handles.length)
      note('conversation_messages', (await this.col('conversation_messages').deleteMany({ tenantId, talkerId: { $in: handles } })).deletedCount);
    note('outbound_messages', (await this.col('outbound_messages').deleteMany({ tenantId, conversationId: { $in: convIds } })).deletedCount);
    note('conversations', (await this.col('conversations').deleteMany({ tenantId, _id: { $in: convIds } })).deletedCount);
    note(
      'chat_groups',
      (
        await this.col('chat_groups').updateMany({ tenantId, 'members.customerId': { $in: ids } }, {
          $pull: { members: { customerId: { $in: ids } } },
        } as never)
      ).modifiedCount,
    );

    // WeCom: the contact relations, raw callbacks naming the contact, and external-group membership.
    note('wecom_follows', (await this.col('wecom_follows').deleteMany({ tenantId, customerId: { $in: ids } })).deletedCount);
    if (handles.length) {
      note('wecom_callbacks', (await this.col('wecom_callbacks').deleteMany({ tenantId, 'data.ExternalUserID': { $in: handles } })).deletedCount);
      note(
        'customer_groups',
        (
          await this.col('customer_groups').updateMany({ tenantId, 'members.userid': { $in: handles } }, {
            $pull: { members: { userid: { $in: handles } } },
          } as never)
        ).modifiedCount,
      );
    }
    note(
      'customer_groups',
      (
        await this.col('customer_groups').updateMany({ tenantId, 'members.customerId': { $in: idStrings } }, {
          $pull: { members: { customerId: { $in: idStrings } } },
        } as never)
      ).modifiedCount,
    );
    // Transfer records name the customer and their external_userid (在职/离职继承 history).
    note(
      'wecom_transfers',
      (
        await this.col('wecom_transfers').deleteMany({
          tenantId,
          subject: 'customer',
          $or: [{ customerId: { $in: idStrings } }, ...(handles.length ? [{ target: { $in: handles } }] : [])],
        })
      ).deletedCount,
    );

    // The birthday given for the birthday gift (the erased shell cannot sign in to claim it again).
    note('loyalty_birthday_claims', (await this.col('loyalty_birthday_claims').deleteMany({ tenantId, customerId: { $in: ids } })).deletedCount);
    // Mini-app reminders the person accepted carry their openid; unsent ones die with the profile.
    note('miniapp_subscriptions', (await this.col('miniapp_subscriptions').deleteMany({ tenantId, customerId: { $in: ids } })).deletedCount);

    // Tasks and delivery addresses written about the person.
    note('follow_ups', (await this.col('follow_ups').deleteMany({ tenantId, customerId: { $in: ids } })).deletedCount);
    note(
      'broadcast_deliveries',
      (
        await this.col('broadcast_deliveries').updateMany(
          { tenantId, customerId: { $in: ids }, $or: [{ address: { $exists: true } }, { personal: { $exists: true } }] },
          { $unset: { address: '', personal: '' } },
        )
      ).modifiedCount,
    );

    // Orders keep their amounts (the anonymised totals), lose everything else they carried.
    const events = await this.col('events')
      .find({ tenantId, customerId: { $in: ids } })
      .project({ data: 1 })
      .toArray();
    for (const e of events) {
      const data = Object.fromEntries(Object.entries((e.data ?? {}) as Record<string, unknown>).filter(([k]) => KEPT_EVENT_FIELDS.includes(k)));
      await this.col('events').updateOne({ _id: e._id }, { $set: { data } });
    }
    note('events', events.length);

    // Merge records keep the fact of the merge, not the snapshot of the profile.
    note(
      'customer_merges',
      (await this.col('customer_merges').updateMany({ tenantId, $or: [{ fromId: { $in: ids } }, { toId: { $in: ids } }] }, { $unset: { snapshot: '' } }))
        .modifiedCount,
    );

    // Last, the profile itself: an anonymised shell keeping its order aggregates, and no identities.
    note('customer_identities', (await this.col('customer_identities').deleteMany({ tenantId, customerId: { $in: ids } })).deletedCount);
    note(
      'customers',
      (
        await this.col('customers').updateMany(
          { tenantId, _id: { $in: ids } },
          {
            $set: { status: 'erased', identities: [], notes: [], tags: [], followerStaffIds: [], consents: {}, erasedAt: this.deps.now() },
            $unset: { name: '', phone: '', city: '', birthday: '', remark: '', avatar: '', gender: '', wecom: '' },
          },
        )
      ).modifiedCount,
    );
    return counts;
  }
}

function view(
  row: { customerId: unknown; status: string; requestedAt: Date; doneAt?: Date | null; profiles?: number | null; counts?: unknown; wecom?: unknown },
  already: boolean,
) {
  return {
    customerId: String(row.customerId),
    status: row.status,
    requestedAt: row.requestedAt,
    erasedAt: row.doneAt ?? null,
    profiles: row.profiles ?? 0,
    counts: row.counts ?? {},
    wecom: wecomErasureView(row.wecom),
    already,
  };
}
