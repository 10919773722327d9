import { Types } from 'mongoose';
import type { Deps } from '../shared/deps.js';
import { AppError } from '../shared/app-error.js';
import { isDuplicateKeyError, type LeanDoc } from '../shared/db.js';
import type { CustomerService } from '../modules/customers/customer.service.js';
import type { LoyaltyService } from '../modules/loyalty/loyalty.service.js';
import { MiniappConsentModel, MiniappSubscriptionModel, REMINDER_KINDS, type ReminderKind } from './miniapp.model.js';
import type { SubscribeMessage, WechatClient } from './wechat.client.js';
import { WechatErrcode, isWechatErrcode } from './wechat.exception.js';

interface Due {
  remindKey: string;
  page: string;
  data: SubscribeMessage['data'];
}

const DAY = 86_400_000;
/** WeChat's `thing` fields take at most 20 characters. */
const thing = (s: string) => ({ value: [...s].slice(0, 20).join('') });
const shanghai = (d: Date) => new Date(d).toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' }).slice(0, 16);

/**
 * Coupon-expiry (within 3 days) and points-expiry (within the brand's expiry.remindDays) reminders as
 * WeChat subscribe messages. The shopper's accepts are stored one row per allowed message; the job
 * spends a row per reminder. At most once: a row left 'sending' by a crash is marked failed, not
 * resent, because WeChat may already have delivered it.
 */
export class MiniappReminderService {
  constructor(
    private readonly deps: Deps,
    private readonly client: WechatClient,
    private readonly m: { customers: CustomerService; loyalty: LoyaltyService },
  ) {}

  templates(): Record<ReminderKind, string | null> {
    const c = this.deps.config;
    return { coupon_expiry: c.WECHAT_SUBSCRIBE_COUPON_TEMPLATE || null, points_expiry: c.WECHAT_SUBSCRIBE_POINTS_TEMPLATE || null };
  }

  async grant(tenantId: string, customerId: string, requestKey: string, results: Record<string, string>) {
    const customer = await this.m.customers.get(tenantId, customerId);
    const own = customer.identities?.find((i) => i.type === 'openId' && i.appId === this.client.appId);
    if (!own?.value)
      throw new AppError('MINIAPP_SIGN_IN_REQUIRED', 'Sign in through the mini-app first: reminders are delivered to your mini-app account', { status: 409 });
    const kindOf = new Map(
      Object.entries(this.templates())
        .filter(([, id]) => id)
        .map(([kind, id]) => [id as string, kind as ReminderKind]),
    );
    const accepted = Object.entries(results).filter(([id, r]) => r === 'accept' && kindOf.has(id));
    for (const [templateId] of accepted) {
      try {
        await MiniappSubscriptionModel.create({
          tenantId,
          customerId: customer._id,
          openId: own.value,
          kind: kindOf.get(templateId),
          templateId,
          grantKey: `${customer._id}:${requestKey}:${templateId}`,
          grantedAt: this.deps.now(),
        });
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err; // the same report sent again: already counted
      }
    }
    return this.available(tenantId, String(customer._id));
  }

  async available(tenantId: string, customerId: string): Promise<Record<ReminderKind, number>> {
    const live = String((await this.m.customers.get(tenantId, customerId))._id);
    const rows = await MiniappSubscriptionModel.find({ tenantId, customerId: new Types.ObjectId(live), state: 'available' }, { kind: 1 }).lean();
    return Object.fromEntries(REMINDER_KINDS.map((k) => [k, rows.filter((r) => r.kind === k).length])) as Record<ReminderKind, number>;
  }

  /** The job: one pass over the available subscriptions. Returns how many messages went out. */
  async sendDue(opts: { couponDays?: number; pointsDays?: number } = {}): Promise<{ sent: number; refused: number; failed: number }> {
    const now = this.deps.now();
    const out = { sent: 0, refused: 0, failed: 0 };
    await MiniappSubscriptionModel.updateMany(
      { state: 'sending', leaseUntil: { $lt: now } },
      { $set: { state: 'failed', error: 'interrupted while sending; not retried (may have been delivered)' } },
    );
    // Finished rows only matter while their coupon or expiry date can come round again; then the openid goes.
    await MiniappSubscriptionModel.deleteMany({ state: { $in: ['sent', 'refused', 'failed'] }, grantedAt: { $lt: new Date(now.getTime() - 90 * DAY) } });
    if (!this.client.configured) return out;
    const rows = await MiniappSubscriptionModel.find({ state: 'available' }).sort({ grantedAt: 1 }).limit(500).lean();
    for (const row of rows) {
      try {
        const r = await this.sendOne(row, now, opts);
        if (r) out[r]++;
      } catch (err) {
        this.deps.log.warn({ err, subscription: String(row._id) }, 'mini-app reminder failed; will retry');
      }
    }
    return out;
  }

  private async sendOne(
    row: LeanDoc<typeof MiniappSubscriptionModel>,
    now: Date,
    opts: { couponDays?: number; pointsDays?: number },
  ): Promise<'sent' | 'refused' | 'failed' | null> {
    const customer = await this.m.customers.get(row.tenantId, String(row.customerId)).catch((err) => {
      if (err instanceof AppError && err.status === 404) return null;
      throw err;
    });
    if (!customer) {
      // The shopper erased their data: their openid and consent rows here go too.
      await MiniappSubscriptionModel.deleteMany({ tenantId: row.tenantId, customerId: row.customerId });
      await MiniappConsentModel.deleteMany({ tenantId: row.tenantId, customerId: row.customerId });
      return null;
    }
    const live = String(customer._id);
    const candidates =
      row.kind === 'coupon_expiry'
        ? await this.couponsDue(row.tenantId, live, now, opts.couponDays ?? 3)
        : await this.pointsDue(row.tenantId, live, now, opts.pointsDays);
    for (const due of candidates) {
      let claimed;
      try {
        claimed = await MiniappSubscriptionModel.updateOne(
          { _id: row._id, state: 'available' },
          { $set: { state: 'sending', remindKey: due.remindKey, leaseUntil: new Date(now.getTime() + 60_000) } },
        );
      } catch (err) {
        if (isDuplicateKeyError(err)) continue; // this coupon / date was already announced to this shopper
        throw err;
      }
      if (!claimed.modifiedCount) return null; // another worker took this row
      try {
        const r = await this.client.sendSubscribeMessage({
          touser: row.openId,
          template_id: row.templateId,
          page: due.page,
          data: due.data,
          miniprogram_state: this.deps.config.WECHAT_MINIAPP_STATE,
        });
        await MiniappSubscriptionModel.updateOne(
          { _id: row._id },
          { $set: { state: 'sent', sentAt: this.deps.now(), msgid: r.msgid === undefined ? undefined : String(r.msgid) }, $unset: { leaseUntil: 1 } },
        );
        return 'sent';
      } catch (err) {
        // Refused (no quota) spends the row; anything else frees it and its reminder for the next run.
        const refused = isWechatErrcode(err, WechatErrcode.USER_REFUSED);
        await MiniappSubscriptionModel.updateOne(
          { _id: row._id },
          refused
            ? { $set: { state: 'refused', error: (err as Error).message }, $unset: { remindKey: 1, leaseUntil: 1 } }
            : { $set: { state: 'available', error: (err as Error).message }, $unset: { remindKey: 1, leaseUntil: 1 } },
        );
        if (refused) return 'refused';
        throw err;
      }
    }
    return null;
  }

  private async couponsDue(tenantId: string, customerId: string, now: Date, days: number): Promise<Due[]> {
    const coupons = await this.m.loyalty.coupons.listForCustomer(tenantId, customerId, 'available');
    return coupons
      .filter((c) => c.state === 'available' && new Date(c.validTo).getTime() - now.getTime() <= days * DAY)
      .sort((a, b) => new Date(a.validTo).getTime() - new Date(b.validTo).getTime())
      .map((c) => ({
        remindKey: `coupon:${c.id}`,
        page: 'pages/coupons/index',
        data: { thing1: thing(c.name ?? '优惠券'), time2: { value: shanghai(c.validTo) }, thing3: thing('优惠券即将到期，请尽快使用') },
      }));
  }

  /** The window is the brand's own points reminder setting (expiry.remindDays, 0 = off) unless given. */
  private async pointsDue(tenantId: string, customerId: string, now: Date, given?: number): Promise<Due[]> {
    if (!(await this.m.loyalty.members.find(tenantId, customerId))) return [];
    const days = given ?? (await this.m.loyalty.settings.get(tenantId)).expiry.remindDays ?? 7;
    if (!days) return [];
    const { expiring } = await this.m.loyalty.summary(tenantId, customerId);
    return expiring
      .filter((e) => e.points > 0 && new Date(e.expiresAt).getTime() - now.getTime() <= days * DAY)
      .map((e) => ({
        remindKey: `points:${e.date}`,
        page: 'pages/exchange/index',
        data: { number1: { value: String(e.points) }, date2: { value: e.date }, thing3: thing('积分即将过期，快去兑换好礼') },
      }));
  }
}
