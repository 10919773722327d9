import type { Deps } from '../../shared/deps.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { FollowUpService } from '../customers/follow-up.service.js';
import type { WecomClient } from '../../wecom/wecom.client.js';
import type { TransferResultResponse } from '../../wecom/wecom-api.types.js';
import type { WecomFollowsService } from '../../wecom/follows.service.js';
import { OPEN_STATES, TransferModel } from './transfer.model.js';
import { LIMIT_REASON, REFUSED_REASON, settle, type TransferMode } from './transfer-records.js';
import type { TransferService } from './transfer.service.js';

/** Queued rows older than this were left by a crash or an outage; the job sends them again. */
const STALE_QUEUED_MS = 2 * 60_000;

type Applicable = {
  _id: unknown;
  tenantId: string;
  target: string;
  customerId?: string | null;
  handoverUserid: string;
  handoverStaffId?: string | null;
  takeoverUserid: string;
  takeoverStaffId?: string | null;
};

/**
 * How transfers end: WeCom's callbacks (the taker's add_external_contact, the giver's
 * del_external_contact with DELETE_BY_TRANSFER, transfer_fail) and the poll job's transfer_result
 * settle each open record once (a conditional update); a completed one moves the profile's owner,
 * followers and the giver's open follow-ups to the taker.
 */
export class TransferResultService {
  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly transfers: TransferService,
    private readonly s: { customers: CustomerService; followUps: FollowUpService; follows: WecomFollowsService },
  ) {}

  /**
   * The job: asks WeCom how each pending handover → takeover pair stands, and redoes what a crash
   * interrupted (queued rows never sent, completed moves not applied).
   */
  async poll(): Promise<{ pairs: number; settled: number; applied: number }> {
    const pairs = await TransferModel.aggregate<{ _id: { tenantId: string; mode: TransferMode; h: string; t: string } }>([
      { $match: { subject: 'customer', status: 'pending' } },
      { $group: { _id: { tenantId: '$tenantId', mode: '$mode', h: '$handoverUserid', t: '$takeoverUserid' } } },
      { $limit: 500 },
    ]);
    let settled = 0;
    for (const { _id: p } of pairs) {
      try {
        let cursor = '';
        for (let pages = 0; pages < 100; pages++) {
          const input = { handover_userid: p.h, takeover_userid: p.t, cursor };
          const res: TransferResultResponse =
            p.mode === 'in_service' ? await this.client.transferResult(input) : await this.client.resignedTransferResult(input);
          for (const c of res.customer ?? [])
            settled += await this.onResult(
              { tenantId: p.tenantId, mode: p.mode, handoverUserid: p.h, takeoverUserid: p.t, target: c.external_userid },
              c.status,
              c.takeover_time,
            );
          cursor = res.next_cursor ?? '';
          if (!cursor) break;
        }
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message, handover: p.h, takeover: p.t }, 'transfer_result failed; trying again on the next run');
      }
    }
    const now = this.deps.now().getTime();
    await this.transfers
      .send({ subject: 'customer', updatedAt: { $lt: new Date(now - STALE_QUEUED_MS) } })
      .catch((err) => this.deps.log.warn({ err: (err as Error).message }, 'resending queued transfers failed'));
    const unapplied = await TransferModel.find({
      subject: 'customer',
      status: 'transferred',
      appliedAt: { $exists: false },
      doneAt: { $lt: new Date(now - 60_000) },
    })
      .limit(1000)
      .lean();
    for (const r of unapplied) await this.apply(r);
    return { pairs: pairs.length, settled, applied: unapplied.length };
  }

  /** One customer in transfer_result: 1 taken over, 2 waiting, 3 refused, 4 taker at limit, 5 no such transfer. */
  private async onResult(
    key: { tenantId: string; mode: string; handoverUserid: string; takeoverUserid: string; target: string },
    status: number,
    takeoverTime: number,
  ): Promise<number> {
    const open: Record<string, unknown> = { ...key, subject: 'customer', status: { $in: OPEN_STATES } };
    if (status === 1) return (await this.complete(open)) ? 1 : 0;
    if (status === 2) {
      await TransferModel.updateMany(open, { $set: { checkedAt: this.deps.now(), ...(takeoverTime ? { expectedAt: new Date(takeoverTime * 1000) } : {}) } });
      return 0;
    }
    const ids = (await TransferModel.find(open, { _id: 1 }).lean()).map((r) => r._id);
    if (status === 3) await settle(ids, 'refused', this.deps.now(), { reason: REFUSED_REASON });
    else if (status === 4) await settle(ids, 'limit', this.deps.now(), { reason: LIMIT_REASON });
    else await settle(ids, 'failed', this.deps.now(), { reason: 'WeCom has no record of this transfer (status 5)' });
    return ids.length;
  }

  /** Marks the open row transferred (once: a conditional update) and moves the profile. */
  private async complete(filter: Record<string, unknown>) {
    const row = await TransferModel.findOneAndUpdate(
      filter,
      { $set: { status: 'transferred', doneAt: this.deps.now() }, $unset: { openKey: 1 } },
      { returnDocument: 'after' },
    ).lean();
    if (row) await this.apply(row);
    return row;
  }

  /** Every step is idempotent, so the job can redo it after a crash. */
  private async apply(row: Applicable) {
    const { tenantId, target } = row;
    const at = this.deps.now();
    await this.s.follows.endByTransfer(tenantId, { externalUserId: target, userid: row.handoverUserid, at, ifActive: true });
    if (row.customerId) {
      await this.s.follows.takeOverByTransfer(tenantId, {
        externalUserId: target,
        userid: row.takeoverUserid,
        customerId: row.customerId,
        staffId: row.takeoverStaffId ?? undefined,
        at,
      });
      if (row.takeoverStaffId) {
        await this.s.customers.setWecomRelation(tenantId, row.customerId, { relation: 'active', at });
        await this.s.customers.handOver(tenantId, row.customerId, row.handoverStaffId ?? undefined, row.takeoverStaffId);
        if (row.handoverStaffId) await this.s.followUps.reassign(tenantId, [row.customerId], row.handoverStaffId, row.takeoverStaffId);
      }
    }
    await TransferModel.updateOne({ _id: row._id }, { $set: { appliedAt: at } });
  }

  /** Hook handler for 'customer.merged': an open transfer moves the surviving profile when it completes. */
  async onMerged(p: { tenantId: string; fromId: string; toId: string }): Promise<void> {
    await TransferModel.updateMany({ tenantId: p.tenantId, customerId: p.fromId }, { $set: { customerId: p.toId } });
  }

  // ── callbacks (change_external_contact) ───────────────────────────────────────────────────
  /** transfer_fail: the customer refused, or the taker (UserID) has too many customers. */
  async onTransferFail(tenantId: string, e: { userid: string; externalUserId: string; failReason?: string }): Promise<void> {
    const ids = (
      await TransferModel.find(
        { tenantId, subject: 'customer', target: e.externalUserId, takeoverUserid: e.userid, status: { $in: OPEN_STATES } },
        { _id: 1 },
      ).lean()
    ).map((r) => r._id);
    if (e.failReason === 'customer_limit_exceed') await settle(ids, 'limit', this.deps.now(), { reason: LIMIT_REASON });
    else await settle(ids, 'refused', this.deps.now(), { reason: REFUSED_REASON });
  }

  /** add_external_contact for the taker of an open transfer: WeCom has handed the customer over. */
  async onTakeoverAdded(tenantId: string, e: { userid: string; externalUserId: string }): Promise<void> {
    await this.complete({ tenantId, subject: 'customer', target: e.externalUserId, takeoverUserid: e.userid, status: { $in: OPEN_STATES } });
  }

  /**
   * del_external_contact with Source DELETE_BY_TRANSFER: WeCom removed the giver when the in-service
   * takeover completed. Not a lost customer: no follow-up is raised and the relation stays active.
   */
  async onHandoverRemoved(tenantId: string, e: { userid: string; externalUserId: string; at: Date }): Promise<void> {
    await this.s.follows.endByTransfer(tenantId, { externalUserId: e.externalUserId, userid: e.userid, at: e.at });
    await this.complete({
      tenantId,
      subject: 'customer',
      mode: 'in_service',
      target: e.externalUserId,
      handoverUserid: e.userid,
      status: { $in: OPEN_STATES },
    });
  }
}
