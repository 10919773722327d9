import { randomUUID } from 'node:crypto';
import type { Types } from 'mongoose';
import type { Deps } from '../../shared/deps.js';
import type { CustomerService } from '../customers/customer.service.js';
import { DeliveryModel, OptOutModel, type CampaignDoc, type DeliveryDoc, type JudgedRow } from './broadcast.model.js';
import type { FrequencyCapService } from './frequency-cap.service.js';
import type { StaffSendBudget } from './staff-send-budget.service.js';
import { variantContent } from './ab-split.js';
import type { Address, BroadcastContent, ChannelProvider, OutgoingRow } from './channels/channel.provider.js';
import { groupBy } from '../../shared/group-by.js';
import { marketingBlock } from '../privacy/consent-policy.js';
import { personalise, type LoyaltyFactsPort } from './recipient-content.js';
import { render, type RecipientFacts } from './placeholders.js';

/** Issues a coupon once per key (the loyalty module's coupon service satisfies this). */
export interface CouponPort {
  issue(tenantId: string, input: { templateId: string; customerId: string; channel: 'campaign'; issueKey: string }): Promise<{ code: string }>;
  /** The template a coupon is issued from (its name fills `{couponName}`). */
  template(tenantId: string, templateId: string): Promise<{ name: string }>;
}

type Ready = OutgoingRow & { row: DeliveryDoc; facts?: RecipientFacts };
/** A row that may be sent (where, and what fills its placeholders), or why it may not. */
export type Verdict = { ok: true; address: { sender: string; to: string }; facts?: RecipientFacts; key?: string } | { ok: false; reason: string };

/** The customers among these who are in a service chat now (the service desk satisfies this). */
export type InServicePort = (tenantId: string, customerIds: string[]) => Promise<Set<string>>;

const MAX_ATTEMPTS = 3;
/** After the channel refused a send outright (its rows are pending again), the campaign pauses this long. */
const REFUSED_PAUSE_MS = 5_000;

/**
 * One-to-one campaigns (a message per customer), a batch at a time: pending delivery rows are
 * claimed with a lease, judged (reachable, not opted out, under the frequency cap), handed to the
 * channel provider in per-sender chunks within the staff minute budget, and their outcome written on
 * the row. Rows a dead worker left "sending" are settled by asking the channel before any resend.
 */
export class DeliveryBatchSender {
  constructor(
    private readonly deps: Deps,
    private readonly m: {
      customers: CustomerService;
      caps: FrequencyCapService;
      coupons?: CouponPort;
      loyalty?: LoyaltyFactsPort;
      budget: StaffSendBudget;
      inService?: InServicePort;
    },
  ) {}

  /** Claims up to n pending rows for this worker, with a lease; returns the rows it now holds. */
  async claim(c: CampaignDoc, n: number, now: Date) {
    const token = randomUUID();
    const ids = (
      await DeliveryModel.find({ campaignId: c._id, occurrence: c.occurrence, state: 'pending' }).sort({ _id: 1 }).limit(n).select({ _id: 1 }).lean()
    ).map((r) => r._id);
    if (!ids.length) return [];
    await DeliveryModel.updateMany(
      { _id: { $in: ids }, state: 'pending' },
      {
        $set: { state: 'sending', claim: token, leaseUntil: new Date(now.getTime() + this.deps.config.BROADCAST_LEASE_MS), sendingSince: now },
        $inc: { attempts: 1 },
      },
    );
    return DeliveryModel.find({ campaignId: c._id, claim: token, state: 'sending' }).lean();
  }

  /**
   * Judges and sends claimed rows. Returns a time to come back when a sender's rate limit was hit or
   * the channel refused a send outright (the rows not sent go back to pending), else undefined. Rows with the same outcome are written
   * with one update, so a batch costs a handful of writes whatever its size.
   */
  async process(c: CampaignDoc, rows: DeliveryDoc[], provider: ChannelProvider): Promise<{ until: Date; reason: string } | undefined> {
    const tenantId: string = c.tenantId;
    const claim: string = rows[0].claim!;
    const skipped = new Map<string, Types.ObjectId[]>();
    const ready: Ready[] = [];
    const campaignKey = `${c._id}:${c.occurrence}`;
    const verdicts = await this.judge(c, rows, provider);
    // Frequency-cap slots for everyone otherwise sendable, together (in row order, as one by one would).
    const allowed = await this.m.caps.claimMany(
      tenantId,
      rows.filter((r) => verdicts.get(String(r._id))!.ok).map((r) => String(r.customerId)),
      campaignKey,
    );
    for (const row of rows) {
      const cid = String(row.customerId);
      const v = verdicts.get(String(row._id))!;
      const reason = !v.ok ? v.reason : allowed.has(cid) ? undefined : 'frequency_cap';
      if (reason) {
        const same = skipped.get(reason);
        if (same) same.push(row._id);
        else skipped.set(reason, [row._id]);
      } else if (v.ok)
        ready.push({
          row,
          deliveryId: String(row._id),
          customerId: cid,
          address: v.address,
          content: variantContent(c, row),
          ...(v.facts ? { facts: v.facts } : {}),
        });
    }
    const keyOf = (r: Ready) => (verdicts.get(r.deliveryId) as { key?: string }).key ?? '';
    for (const [reason, ids] of skipped) await DeliveryModel.updateMany({ _id: { $in: ids }, claim }, { $set: { state: 'skipped', reason, leaseUntil: null } });

    // One message per sender, variant and text: personal texts that read the same still go together.
    const groups = groupBy(ready, (r) => `${r.address.sender}\u0000${r.row.variant ?? ''}\u0000${keyOf(r)}`);
    // A chunk never exceeds the per-staff minute budget; a sender whose budget runs out mid-chunk
    // sends what it was granted, and only that sender waits for the next minute.
    const perMinute = Math.min(provider.perMinute ?? Infinity, this.deps.config.BROADCAST_STAFF_PER_MINUTE);
    const size = Math.min(provider.batchSize, perMinute);
    const spent = new Set<string>();
    let refused = false;
    for (const group of groups.values()) {
      const sender = group[0].address.sender;
      for (let i = 0; i < group.length; i += size) {
        const chunk = group.slice(i, i + size);
        // After an outright refusal nothing more is sent this pass: the rest goes back to pending.
        const granted = refused || spent.has(sender) ? 0 : await this.m.budget.take(tenantId, sender, chunk.length, perMinute);
        if (granted < chunk.length && !refused) spent.add(sender);
        if (granted && !(await this.sendChunk(c, provider, chunk.slice(0, granted), claim))) refused = true;
        const rest = chunk.slice(granted);
        if (rest.length)
          await DeliveryModel.updateMany(
            { _id: { $in: rest.map((r) => r.row._id) }, claim },
            { $set: { state: 'pending', claim: null, leaseUntil: null }, $inc: { attempts: -1 } },
          );
      }
    }
    if (refused) return { until: new Date(this.deps.now().getTime() + REFUSED_PAUSE_MS), reason: 'channel_busy' };
    // Budgets are per clock minute: come back when the next one starts.
    return spent.size ? { until: new Date((Math.floor(this.deps.now().getTime() / 60_000) + 1) * 60_000), reason: 'rate_limited' } : undefined;
  }

  /**
   * Each row's verdict short of the frequency cap: why it cannot be sent (profile gone, opted out, no
   * consent, no address on the channel, a placeholder that cannot be filled for them), or where it
   * goes and what fills its placeholders. The send and the reach shown before it (broadcast-reach.ts)
   * both judge through here, so the reach counts exactly the skips the send records. Rows are keyed
   * by `_id`; placeholders are judged before the cap, so a recipient who cannot be sent the text
   * keeps their slot.
   */
  async judge(c: Pick<CampaignDoc, 'tenantId' | 'personalised' | 'variants'>, rows: JudgedRow[], provider: ChannelProvider): Promise<Map<string, Verdict>> {
    const addresses = await this.addresses(
      c.tenantId,
      rows.map((r) => r.customerId),
      provider,
      !!c.personalised,
    );
    const personal = await personalise(
      c.tenantId,
      c,
      rows.filter((r) => addresses.get(String(r.customerId))!.ok),
      this.m,
    );
    const out = new Map<string, Verdict>();
    for (const row of rows) {
      const a = addresses.get(String(row.customerId))!;
      const p = personal.get(String(row._id));
      if (!a.ok) out.set(String(row._id), { ok: false, reason: a.reason });
      else if (p && 'reason' in p) out.set(String(row._id), { ok: false, reason: p.reason });
      else out.set(String(row._id), { ok: true, address: { sender: a.sender, to: a.to }, ...(p ? { facts: p.facts, key: p.key } : {}) });
    }
    return out;
  }

  /**
   * Where each customer is reached now, or why not (gone, opted out, no marketing consent, no WeCom
   * contact, in a service chat...). Consent is judged at send time, so a choice made after the snapshot
   * still counts; so is the service chat: a customer talking to an agent is skipped (`in_service_chat`)
   * rather than interrupted by marketing.
   */
  private async addresses(tenantId: string, ids: Types.ObjectId[], provider: ChannelProvider, personalised = false) {
    const [customers, optOuts] = await Promise.all([
      this.m.customers.recipientFacts(tenantId, ids),
      OptOutModel.find({ tenantId, customerId: { $in: ids } })
        .select({ customerId: 1 })
        .lean(),
    ]);
    const opted = new Set(optOuts.map((o) => String(o.customerId)));
    const out = new Map<string, Address>();
    const live = customers.filter((x) => x.status === 'active');
    for (const x of live) {
      const blocked = marketingBlock(x.consents, opted.has(String(x._id)), personalised);
      if (blocked) out.set(String(x._id), { ok: false, reason: blocked });
    }
    const busy =
      (await this.m.inService?.(
        tenantId,
        live.filter((x) => !out.has(String(x._id))).map((x) => String(x._id)),
      )) ?? new Set<string>();
    for (const id of busy) out.set(id, { ok: false, reason: 'in_service_chat' });
    const reachable = live.filter((x) => !out.has(String(x._id)));
    const addr = await provider.address(
      tenantId,
      reachable.map((x) => ({ customerId: String(x._id), ownerStaffId: x.ownerStaffId, identities: x.identities, wecomRelation: x.wecom?.relation })),
    );
    for (const [k, v] of addr) out.set(k, v);
    for (const id of ids) if (!out.has(String(id))) out.set(String(id), { ok: false, reason: 'profile_gone' });
    return out;
  }

  /** Sends one chunk and records the outcome; false when the channel refused it outright (rows pending again). */
  private async sendChunk(c: CampaignDoc, provider: ChannelProvider, chunk: Ready[], claim: string): Promise<boolean> {
    const tenantId: string = c.tenantId;
    const failed = new Map<string, Types.ObjectId[]>();
    const fail = (reason: string, id: Types.ObjectId) => failed.set(reason, [...(failed.get(reason) ?? []), id]);
    const templateId = chunk[0].content.couponTemplateId;
    let sendable = chunk;
    const codes = new Map<string, string>();
    if (templateId) {
      const coupons = this.m.coupons;
      const bad = new Set<string>();
      for (const r of chunk) {
        if (!coupons) {
          fail('coupons_unavailable', r.row._id);
          bad.add(r.deliveryId);
        } else {
          await coupons.issue(tenantId, { templateId, customerId: r.customerId, channel: 'campaign', issueKey: `broadcast:${r.deliveryId}` }).then(
            (coupon) => void codes.set(r.deliveryId, (coupon as { code: string }).code),
            (err: Error) => {
              fail(`coupon: ${err.message}`.slice(0, 200), r.row._id);
              bad.add(r.deliveryId);
            },
          );
        }
      }
      sendable = chunk.filter((r) => !bad.has(r.deliveryId));
    }
    sendable = await this.fill(tenantId, sendable, codes, fail);
    let outcomes: Awaited<ReturnType<ChannelProvider['send']>> = [];
    try {
      if (sendable.length) outcomes = await provider.send(tenantId, sendable);
    } catch (err) {
      const ids = sendable.map((r) => r.row._id);
      if (provider.refusedOutright?.(err)) {
        // The channel did nothing: the rows are sent again on the next pass.
        this.deps.log.warn({ campaignId: String(c._id), err: (err as Error).message }, 'broadcast send refused; retrying');
        await DeliveryModel.updateMany({ _id: { $in: ids }, claim }, { $set: { state: 'pending', claim: null, leaseUntil: null }, $inc: { attempts: -1 } });
        return false;
      }
      // Unknown whether the channel accepted it: the rows stay "sending" and the channel is asked once a
      // late request would have landed (BROADCAST_SETTLE_MS), not when the whole lease runs out.
      this.deps.log.warn({ campaignId: String(c._id), err: (err as Error).message }, 'broadcast send failed; will reconcile');
      const settleAt = new Date(this.deps.now().getTime() + Math.min(this.deps.config.BROADCAST_SETTLE_MS, this.deps.config.BROADCAST_LEASE_MS));
      await DeliveryModel.updateMany({ _id: { $in: ids }, claim, state: 'sending' }, { $set: { leaseUntil: settleAt } });
      outcomes = [];
    }
    const now = this.deps.now();
    const byId = new Map(chunk.map((r) => [r.deliveryId, r.row._id as Types.ObjectId]));
    const sent = new Map<string, Types.ObjectId[]>();
    for (const o of outcomes) {
      if (o.ok) sent.set(o.providerRef ?? '', [...(sent.get(o.providerRef ?? '') ?? []), byId.get(o.deliveryId)!]);
      else fail(o.error ?? 'failed', byId.get(o.deliveryId)!);
    }
    for (const [ref, ids] of sent)
      await DeliveryModel.updateMany({ _id: { $in: ids }, claim }, { $set: { state: 'sent', sentAt: now, providerRef: ref || undefined, leaseUntil: null } });
    for (const [reason, ids] of failed) await DeliveryModel.updateMany({ _id: { $in: ids }, claim }, { $set: { state: 'failed', reason, leaseUntil: null } });
    return true;
  }

  /**
   * Each personal row's text, filled through the one renderer (placeholders.ts) with its issued coupon
   * now known, and written on the row before the send: a worker recovering the row after a crash asks
   * the channel for exactly what was sent.
   */
  private async fill(tenantId: string, rows: Ready[], codes: Map<string, string>, fail: (reason: string, id: Types.ObjectId) => void): Promise<Ready[]> {
    if (!rows.some((r) => r.facts)) return rows;
    const templateId = rows[0].content.couponTemplateId;
    // A template gone since the coupon was issued leaves {couponName} unfilled: that row fails, the others go.
    const couponName = templateId && codes.size ? (await this.m.coupons?.template(tenantId, templateId).catch(() => undefined))?.name : undefined;
    const out: Ready[] = [];
    for (const r of rows) {
      if (!r.facts) {
        out.push(r);
        continue;
      }
      const code = codes.get(r.deliveryId);
      const filled = render(r.content, { ...r.facts, ...(code && couponName !== undefined ? { coupon: { code, name: couponName } } : {}) });
      if (filled.ok) out.push({ ...r, content: filled.content });
      else fail(filled.reason, r.row._id);
    }
    if (out.some((r) => r.facts)) {
      await DeliveryModel.bulkWrite(
        out
          .filter((r) => r.facts)
          .map((r) => ({ updateOne: { filter: { _id: r.row._id, claim: r.row.claim }, update: { $set: { personal: personalText(r.content) } } } })),
        { ordered: false },
      );
    }
    return out;
  }

  /** Rows a dead worker left "sending": those the channel has are marked sent, the rest retried. */
  async recoverStale(c: CampaignDoc, provider: ChannelProvider) {
    const now = this.deps.now();
    const stale = await DeliveryModel.find({ campaignId: c._id, occurrence: c.occurrence, state: 'sending', leaseUntil: { $lt: now } })
      .limit(5000)
      .lean();
    if (!stale.length) return;
    const addresses = await this.addresses(
      c.tenantId,
      stale.map((r) => r.customerId),
      provider,
      !!c.personalised,
    );
    const asked: OutgoingRow[] = [];
    for (const r of stale) {
      const a = addresses.get(String(r.customerId));
      if (a?.ok)
        asked.push({
          deliveryId: String(r._id),
          customerId: String(r.customerId),
          address: { sender: a.sender, to: a.to },
          content: sentContent(variantContent(c, r), r.personal),
        });
    }
    const since = new Date(Math.min(...stale.map((r) => +(r.sendingSince ?? now))));
    const found = asked.length ? await provider.alreadySent(c.tenantId, asked, since) : new Map<string, string>();
    const writes = stale.map((r) => {
      const ref = found.get(String(r._id));
      const filter = { _id: r._id, state: 'sending' as const, claim: r.claim };
      if (ref)
        return {
          updateOne: {
            filter,
            update: { $set: { state: 'sent' as const, sentAt: r.sendingSince ?? now, providerRef: ref, reason: 'confirmed_after_restart', leaseUntil: null } },
          },
        };
      if ((r.attempts ?? 0) >= MAX_ATTEMPTS)
        return { updateOne: { filter, update: { $set: { state: 'failed' as const, reason: 'gave_up_after_retries', leaseUntil: null } } } };
      return { updateOne: { filter, update: { $set: { state: 'pending' as const, claim: null, leaseUntil: null } } } };
    });
    await DeliveryModel.bulkWrite(writes, { ordered: false });
  }
}

/** What a recipient read of a personal content (stored on the row). */
const personalText = (content: BroadcastContent) => ({ text: content.text, ...(content.link ? { title: content.link.title, desc: content.link.desc } : {}) });

/** The content a row was sent: its variant's, with the personal text written on the row if it had one. */
function sentContent(content: BroadcastContent, personal?: { text?: string | null; title?: string | null; desc?: string | null } | null): BroadcastContent {
  if (!personal?.text) return content;
  return {
    ...content,
    text: personal.text,
    ...(content.link ? { link: { ...content.link, title: personal.title ?? content.link.title, ...(personal.desc ? { desc: personal.desc } : {}) } } : {}),
  };
}
