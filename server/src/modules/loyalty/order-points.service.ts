import type { Deps } from '../../shared/deps.js';
import type { AcceptedEvent } from '../../shared/hooks.js';
import type { AppError } from '../../shared/app-error.js';
import type { LoyaltySettingsService } from './loyalty-settings.service.js';
import type { MemberService } from './member.service.js';
import type { PointsLedgerService } from './points-ledger.service.js';
import type { CouponService } from './coupon.service.js';
import { earnForPaidOrders, type PaidOrder } from './order-earn-batch.js';
import { inLanes } from './batch-util.js';

type BatchEvent = { customerId: string; event: AcceptedEvent };

/**
 * Loyalty's reaction to ingested orders, once per ingest batch (`event.batch_accepted`, emitted after
 * the batch is stored and before it is marked applied, so the events repair job re-runs it). Every
 * step is keyed by the order (`earn:order:<orderId>`, `reverse:order:<orderId>:<refund>` where a refund is
 * its refundId, or its eventId when the shop sends none, growth
 * keys), so a re-run changes nothing twice.
 *
 * Each customer's events keep their order. A customer's leading run of paid orders earns in bulk with
 * everyone else's (order-earn-batch.ts: same points as one by one); what follows a refund in the same
 * batch — the refund and anything after it — then runs one event at a time, because a reversal takes
 * back from the balance as it stands at that point.
 */
export class OrderPointsService {
  constructor(
    private readonly deps: Deps,
    private readonly settings: LoyaltySettingsService,
    private readonly members: MemberService,
    private readonly ledger: PointsLedgerService,
    private readonly coupons: CouponService,
  ) {}

  private get services() {
    return { settings: this.settings, members: this.members, ledger: this.ledger };
  }

  async onBatch(tenantId: string, events: BatchEvent[]): Promise<void> {
    const lead: PaidOrder[] = [];
    const rest = new Map<string, BatchEvent[]>();
    for (const e of events) {
      if (e.event.type !== 'order.paid' && e.event.type !== 'order.refunded') continue;
      const later = rest.get(e.customerId);
      if (later) later.push(e);
      else if (e.event.type === 'order.paid') lead.push(e);
      else rest.set(e.customerId, [e]);
    }
    await earnForPaidOrders(this.services, tenantId, lead);
    await inLanes(
      lead.filter((p) => p.event.data.couponCode),
      (p) => this.redeemCoupon(tenantId, p),
    );
    await inLanes([...rest.values()], async (list) => {
      for (const e of list) {
        if (e.event.type === 'order.paid') await this.onOrderPaid(tenantId, e);
        else await this.onOrderRefunded(tenantId, e.customerId, e.event);
      }
    });
  }

  /** One paid order on its own: the batch path with a batch of one. */
  async onOrderPaid(tenantId: string, order: PaidOrder): Promise<void> {
    await earnForPaidOrders(this.services, tenantId, [order]);
    if (order.event.data.couponCode) await this.redeemCoupon(tenantId, order);
  }

  private async redeemCoupon(tenantId: string, { customerId, event }: PaidOrder): Promise<void> {
    const { orderId, amount, couponCode } = event.data as { orderId: string; amount: number; couponCode: string };
    await this.coupons.redeem(tenantId, couponCode, { orderId, orderAmount: amount, redeemedBy: 'order', customerId }).catch((err: AppError) => {
      // The order is real whatever the coupon says; the shop platform validated it at checkout.
      this.deps.log.warn({ tenantId, orderId, code: err.code, message: err.message }, 'coupon on paid order not redeemed');
    });
  }

  /**
   * Reverses what the order earned in proportion to the refunded share (rounded down; the final
   * refund brings it to exactly what was earned). The balance never goes below zero: what could not
   * be taken back is recorded on the entry as shortfall.
   */
  async onOrderRefunded(tenantId: string, customerId: string, event: AcceptedEvent): Promise<void> {
    const { orderId, amount, refundId } = event.data as { orderId: string; amount: number; refundId?: string };
    // A refund is one per (orderId, refundId), whatever eventIds it is resent under; without a refundId, one per event.
    const refund = refundId ? `${orderId}:refund:${refundId}` : event.eventId;
    await this.members.recordGrowth(tenantId, customerId, `refund:${refund}`, -amount, event.occurredAt, orderId);
    const key = `reverse:order:${orderId}:${refund}`;
    const existing = await this.ledger.getByKey(tenantId, key);
    const entries = await this.ledger.findForOrder(tenantId, orderId);
    const earn = entries.find((e) => e.key === `earn:order:${orderId}`);
    const { paid, refunded } = await this.members.orderGrowth(tenantId, orderId);
    if ((!existing || existing.state === 'pending') && earn && earn.points > 0 && paid > 0) {
      const target = Math.floor((earn.points * Math.min(refunded, paid)) / paid);
      const done = entries.filter((e) => e.type === 'reverse' && e.key !== key).reduce((s, e) => s + e.requested, 0);
      const want = existing?.requested ?? Math.max(0, target - done);
      await this.ledger.post({
        tenantId,
        customerId: String(earn.customerId),
        key,
        type: 'reverse',
        points: want,
        orderId,
        source: 'refund',
        reason: `order ${orderId} refunded`,
        mode: 'floor',
      });
    }
    if (paid > 0 && refunded >= paid) await this.coupons.unredeemForOrder(tenantId, orderId);
  }
}
