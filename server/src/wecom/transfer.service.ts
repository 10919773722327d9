import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { Deps } from '../shared/deps.js';
import { AppError, conflict } from '../shared/app-error.js';
import type { CustomerService } from '../modules/customers/customer.service.js';
import type { FollowUpService } from '../modules/customers/follow-up.service.js';
import type { StaffService, StaffView } from '../modules/staff/staff.service.js';
import type { WecomClient } from './wecom.client.js';
import type { TransferResultResponse } from './wecom-api.types.js';
import { Errcode, WecomApiError, WecomErrorCode } from './wecom.exception.js';
import { WecomFollowModel } from './external-contact.model.js';
import { CustomerGroupModel } from './customer-group.model.js';
import { OPEN_STATES, TransferModel, openKeyOf, type TransferState } from './transfer.model.js';

export type TransferMode = 'in_service' | 'resigned';
/** WeCom takes at most 100 customers (or groups) per transfer call. */
export const TRANSFER_BATCH = 100;
/** Queued rows older than this were left by a crash or an outage; the job sends them again. */
const STALE_QUEUED_MS = 2 * 60_000;

export interface Member {
  userid: string;
  staff?: StaffView;
}

type Row = { _id: unknown; tenantId: string; mode: string; target: string; handoverUserid: string; takeoverUserid: string; message?: string | null };

const invalid = (message: string, details?: unknown) => new AppError(WecomErrorCode.TRANSFER_INVALID, message, { status: 400, details });

/** What a per-customer errcode means for the record: its state and a reason an admin can act on. */
export function transferOutcome(errcode: number): { status: TransferState; reason?: string } {
  switch (errcode) {
    case 0:
      return { status: 'pending' };
    case Errcode.TRANSFER_IN_PROGRESS:
      // Our own earlier call got through before a crash or timeout: the takeover is under way.
      return { status: 'pending' };
    case Errcode.TAKEOVER_AT_LIMIT:
      return { status: 'limit', reason: 'the takeover member has reached WeCom’s customer limit; choose another member' };
    case Errcode.TRANSFERRED_TOO_OFTEN:
      return { status: 'failed', reason: 'WeCom allows a customer to be transferred in service at most twice in 90 days' };
    case Errcode.TRANSFER_TO_SELF:
      return { status: 'failed', reason: 'the handover and takeover members are the same' };
    case Errcode.HANDOVER_NOT_RESIGNED:
      return { status: 'failed', reason: 'the member has not left the company in WeCom; use an in-service transfer' };
    case Errcode.NOT_HANDOVER_CUSTOMER:
    case Errcode.NOT_EXTERNAL_CONTACT:
    case Errcode.INVALID_EXTERNAL_USERID:
      return { status: 'failed', reason: 'WeCom says this customer is not a contact of the handover member (any more)' };
    case Errcode.ALREADY_IN_TRANSFER:
      return { status: 'failed', reason: 'the customer is already being transferred by another request; wait for it to finish' };
    case Errcode.TAKEOVER_NOT_VERIFIED:
      return { status: 'failed', reason: 'the takeover member has not verified their real name in WeCom' };
    default:
      return { status: 'failed', reason: `WeCom refused this customer (errcode ${errcode})` };
  }
}

/**
 * Customer transfer when staff leave or hand over (在职继承 / 离职继承). Each customer gets our own
 * record first (unique while open), then WeCom is asked in batches of 100; WeCom's answer is kept per
 * customer. The takeover completes later (24 h, or when the customer agrees): the poll job, WeCom's
 * add/delete callbacks or its transfer_fail callback settle the record, and on success the profile's
 * owner, followers and open follow-ups move to the taker.
 */
export class TransferService {
  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly s: { customers: CustomerService; staff: StaffService; followUps: FollowUpService },
  ) {}

  /** The WeCom member behind a staff id or a WeCom userid (a member who left may have no account here). */
  async member(tenantId: string, ref: { staffId?: string; userid?: string }): Promise<Member> {
    if (ref.staffId) {
      const staff = await this.s.staff.get(tenantId, ref.staffId);
      if (!staff.wecomUserId) throw invalid(`${staff.name} has no WeCom userid: set it on the staff account first`);
      return { userid: staff.wecomUserId, staff };
    }
    const staff = await this.s.staff.findByWecomUserId(tenantId, ref.userid ?? '');
    return { userid: ref.userid ?? '', staff: staff ?? undefined };
  }

  /** The taker: an active account with a WeCom userid, not the giver. */
  async taker(tenantId: string, staffId: string, handover: Member): Promise<Member> {
    const m = await this.member(tenantId, { staffId });
    if (!m.staff?.active) throw conflict(WecomErrorCode.TRANSFER_INVALID, `${m.staff?.name ?? 'The takeover member'}'s account is switched off; choose an active member`);
    if (m.userid === handover.userid) throw invalid('the takeover member must be someone other than the handover member');
    return m;
  }

  async start(
    tenantId: string,
    input: { mode: TransferMode; handoverStaffId?: string; handoverUserid?: string; takeoverStaffId: string; customerIds?: string[]; message?: string; requestedBy?: string },
  ) {
    const handover = await this.member(tenantId, { staffId: input.handoverStaffId, userid: input.handoverUserid });
    const takeover = await this.taker(tenantId, input.takeoverStaffId, handover);
    const who = handover.staff?.name ?? handover.userid;
    const targets = input.mode === 'in_service' ? await this.followedBy(tenantId, handover.userid, input.customerIds) : await this.unassignedOf(tenantId, handover.userid, input.customerIds);
    if (input.customerIds) {
      const found = new Set(targets.map((t) => t.customerId));
      const missing = input.customerIds.filter((id) => !found.has(id));
      if (missing.length)
        throw invalid(
          input.mode === 'in_service' ? `${missing.length} of the chosen customers are not WeCom contacts of ${who}` : `${missing.length} of the chosen customers are not on WeCom's unassigned list for ${who}`,
          { customerIds: missing },
        );
    }
    if (!targets.length)
      throw conflict(
        WecomErrorCode.NOTHING_TO_TRANSFER,
        input.mode === 'in_service' ? `${who} has no WeCom customers to hand over` : `WeCom lists no unassigned customers for ${who}; has the member left the company in WeCom?`,
      );

    const requestId = randomBytes(8).toString('hex');
    const names = await this.s.customers.namesOf(tenantId, targets.map((t) => t.customerId).filter((x): x is string => Boolean(x)));
    const message = input.mode === 'in_service' ? input.message : undefined;
    await insertIgnoringOpen(
      targets.map((t) => ({
        tenantId, mode: input.mode, subject: 'customer', target: t.externalUserId, customerId: t.customerId, name: t.customerId ? names.get(t.customerId) : undefined,
        handoverUserid: handover.userid, handoverStaffId: handover.staff?.id, takeoverUserid: takeover.userid, takeoverStaffId: takeover.staff?.id,
        status: 'queued', openKey: openKeyOf('customer', t.externalUserId, handover.userid), requestId, requestedBy: input.requestedBy, message,
      })),
    );
    // This request's rows, and any of these customers' rows an earlier attempt left queued (an outage).
    const keys = targets.map((t) => openKeyOf('customer', t.externalUserId, handover.userid));
    await this.send(await TransferModel.find({ tenantId, openKey: { $in: keys }, status: 'queued', takeoverUserid: takeover.userid }).lean());
    const rows = await TransferModel.find({ tenantId, $or: [{ requestId }, { openKey: { $in: keys } }] }).sort({ _id: 1 }).lean();
    return { requestId, started: rows.filter((r) => r.requestId === requestId).length, alreadyInProgress: rows.filter((r) => r.requestId !== requestId).length, items: rows.map(view) };
  }

  private async followedBy(tenantId: string, userid: string, customerIds?: string[]) {
    const q: Record<string, unknown> = { tenantId, userid, status: 'active' };
    if (customerIds) q.customerId = { $in: customerIds.map((c) => new Types.ObjectId(c)) };
    const rows = await WecomFollowModel.find(q, { externalUserId: 1, customerId: 1 }).lean();
    return rows.map((r) => ({ externalUserId: r.externalUserId, customerId: String(r.customerId) as string | undefined }));
  }

  private async unassignedOf(tenantId: string, userid: string, customerIds?: string[]) {
    const rows = (await this.unassignedRows()).filter((r) => r.handover_userid === userid);
    const out = [];
    for (const r of rows) out.push({ externalUserId: r.external_userid, customerId: (await this.s.customers.findByIdentity(tenantId, { externalUserId: r.external_userid })) ?? undefined });
    return customerIds ? out.filter((r) => r.customerId && customerIds.includes(r.customerId)) : out;
  }

  private async unassignedRows() {
    const rows: Array<{ handover_userid: string; external_userid: string; dimission_time: number }> = [];
    let cursor = '';
    for (let pages = 0; pages < 100; pages++) {
      const r = await this.client.getUnassignedList({ cursor, page_size: 1000 });
      rows.push(...(r.info ?? []));
      cursor = r.next_cursor ?? '';
      if (r.is_last || !cursor) break;
    }
    return rows;
  }

  /** WeCom's list of customers whose member left, by member: what an admin can hand over (离职继承). */
  async unassigned(tenantId: string) {
    const by = new Map<string, { handoverUserid: string; customers: number; dimissionTime: Date }>();
    for (const r of await this.unassignedRows()) {
      const g = by.get(r.handover_userid) ?? { handoverUserid: r.handover_userid, customers: 0, dimissionTime: new Date(r.dimission_time * 1000) };
      g.customers += 1;
      by.set(r.handover_userid, g);
    }
    const items = [];
    for (const g of by.values()) {
      const staff = await this.s.staff.findByWecomUserId(tenantId, g.handoverUserid);
      items.push({ ...g, staff: staff ? { id: staff.id, name: staff.name } : null });
    }
    return items.sort((a, b) => b.customers - a.customers);
  }

  /** Asks WeCom for queued rows, 100 per call per (mode, handover, takeover, message). */
  async send(rows: Row[]): Promise<void> {
    const groups = new Map<string, Row[]>();
    for (const r of rows) {
      const k = [r.mode, r.handoverUserid, r.takeoverUserid, r.message ?? ''].join('\n');
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    for (const group of groups.values()) {
      for (let i = 0; i < group.length; i += TRANSFER_BATCH) {
        const chunk = group.slice(i, i + TRANSFER_BATCH);
        const { mode, handoverUserid, takeoverUserid, message } = chunk[0];
        const input = { handover_userid: handoverUserid, takeover_userid: takeoverUserid, external_userid: chunk.map((r) => r.target) };
        let answer: Map<string, number>;
        try {
          const res = mode === 'in_service' ? await this.client.transferCustomer({ ...input, ...(message ? { transfer_success_msg: message } : {}) }) : await this.client.resignedTransferCustomer(input);
          answer = new Map((res.customer ?? []).map((c) => [c.external_userid, Number(c.errcode)]));
        } catch (err) {
          // WeCom refused the whole call (takeover not verified, not in the app's range...): every row says why.
          // Unreachable or rate-limited: the rows stay queued and the job sends them again.
          if (!(err instanceof WecomApiError)) throw err;
          const o = transferOutcome(err.errcode);
          await this.settle(chunk.map((r) => r._id), o.status === 'pending' ? 'failed' : o.status, { errcode: err.errcode, reason: o.reason ?? err.message });
          continue;
        }
        for (const r of chunk) {
          const code = answer.get(r.target);
          if (code === undefined) {
            await this.settle([r._id], 'failed', { reason: 'WeCom did not answer for this customer' });
            continue;
          }
          const o = transferOutcome(code);
          if (o.status === 'pending') await TransferModel.updateOne({ _id: r._id, status: 'queued' }, { $set: { status: 'pending', requestedAt: this.deps.now(), errcode: code } });
          else await this.settle([r._id], o.status, { errcode: code, reason: o.reason });
        }
      }
    }
  }

  /** Closes open rows in a final state (never reopens a finished one). */
  private async settle(ids: unknown[], status: TransferState, extra: { errcode?: number; reason?: string }) {
    await TransferModel.updateMany({ _id: { $in: ids }, status: { $in: OPEN_STATES } }, { $set: { status, doneAt: this.deps.now(), ...extra }, $unset: { openKey: 1 } });
  }

  /**
   * The job: asks WeCom how each pending handover → takeover pair stands, moves the customers WeCom
   * has handed over, and redoes what a crash interrupted (queued rows never sent, moves not applied).
   */
  async poll(): Promise<{ pairs: number; settled: number; resent: number; applied: number }> {
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
          const res: TransferResultResponse = p.mode === 'in_service' ? await this.client.transferResult(input) : await this.client.resignedTransferResult(input);
          for (const c of res.customer ?? []) settled += await this.onResult(p.tenantId, { mode: p.mode, handoverUserid: p.h, takeoverUserid: p.t, target: c.external_userid }, c.status, c.takeover_time);
          cursor = res.next_cursor ?? '';
          if (!cursor) break;
        }
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message, handover: p.h, takeover: p.t }, 'transfer_result failed; trying again on the next run');
      }
    }
    const stale = await TransferModel.find({ subject: 'customer', status: 'queued', updatedAt: { $lt: new Date(this.deps.now().getTime() - STALE_QUEUED_MS) } }).limit(1000).lean();
    if (stale.length) await this.send(stale).catch((err) => this.deps.log.warn({ err: (err as Error).message }, 'resending queued transfers failed'));
    const unapplied = await TransferModel.find({ subject: 'customer', status: 'transferred', appliedAt: { $exists: false }, doneAt: { $lt: new Date(this.deps.now().getTime() - 60_000) } }).limit(1000).lean();
    for (const r of unapplied) await this.apply(r);
    return { pairs: pairs.length, settled, resent: stale.length, applied: unapplied.length };
  }

  private async onResult(tenantId: string, key: { mode: string; handoverUserid: string; takeoverUserid: string; target: string }, status: number, takeoverTime: number): Promise<number> {
    const open: Record<string, unknown> = { tenantId, subject: 'customer', status: { $in: OPEN_STATES }, ...key };
    if (status === 1) return (await this.complete(open)) ? 1 : 0;
    if (status === 2) {
      await TransferModel.updateMany(open, { $set: { checkedAt: this.deps.now(), ...(takeoverTime ? { expectedAt: new Date(takeoverTime * 1000) } : {}) } });
      return 0;
    }
    const rows = await TransferModel.find(open, { _id: 1 }).lean();
    if (status === 3) await this.settle(rows.map((r) => r._id), 'refused', { reason: 'the customer declined to be taken over' });
    else if (status === 4) await this.settle(rows.map((r) => r._id), 'limit', { reason: 'the takeover member has reached WeCom’s customer limit; choose another member' });
    else await this.settle(rows.map((r) => r._id), 'failed', { reason: 'WeCom has no record of this transfer (status 5)' });
    return rows.length;
  }

  /** Marks the open row transferred (once: a conditional update) and moves the profile. */
  private async complete(filter: Record<string, unknown>) {
    const row = await TransferModel.findOneAndUpdate(filter, { $set: { status: 'transferred', doneAt: this.deps.now() }, $unset: { openKey: 1 } }, { returnDocument: 'after' }).lean();
    if (row) await this.apply(row);
    return row;
  }

  /** Every step is idempotent, so the job can redo it after a crash. */
  private async apply(row: { _id: unknown; tenantId: string; target: string; customerId?: string | null; handoverUserid: string; handoverStaffId?: string | null; takeoverUserid: string; takeoverStaffId?: string | null }) {
    const { tenantId, target } = row;
    const at = this.deps.now();
    await WecomFollowModel.updateOne({ tenantId, externalUserId: target, userid: row.handoverUserid, status: 'active' }, { $set: { status: 'lost', lostAt: at, lostBy: 'transfer' } });
    if (row.customerId) {
      const customerId = new Types.ObjectId(row.customerId);
      await WecomFollowModel.updateOne(
        { tenantId, externalUserId: target, userid: row.takeoverUserid },
        { $set: { customerId, staffId: row.takeoverStaffId ?? undefined, status: 'active' }, $setOnInsert: { addedAt: at }, $unset: { lostAt: 1, lostBy: 1 } },
        { upsert: true },
      ).catch((err) => {
        if ((err as { code?: number }).code !== 11000) throw err; // the add callback wrote the row at the same moment
      });
      if (row.takeoverStaffId) {
        await this.s.customers.setWecomRelation(tenantId, row.customerId, { relation: 'active', at });
        await this.s.customers.handOver(tenantId, row.customerId, row.handoverStaffId ?? undefined, row.takeoverStaffId);
        if (row.handoverStaffId) await this.s.followUps.reassign(tenantId, [row.customerId], row.handoverStaffId, row.takeoverStaffId);
      }
    }
    await TransferModel.updateOne({ _id: row._id }, { $set: { appliedAt: at } });
  }

  // ── callbacks (change_external_contact) ───────────────────────────────────────────────────
  /** transfer_fail: the customer refused, or the taker (UserID) has too many customers. */
  async onTransferFail(tenantId: string, e: { userid: string; externalUserId: string; failReason?: string }): Promise<void> {
    const rows = await TransferModel.find({ tenantId, subject: 'customer', target: e.externalUserId, takeoverUserid: e.userid, status: { $in: OPEN_STATES } }, { _id: 1 }).lean();
    if (e.failReason === 'customer_limit_exceed') await this.settle(rows.map((r) => r._id), 'limit', { reason: 'the takeover member has reached WeCom’s customer limit; choose another member' });
    else await this.settle(rows.map((r) => r._id), 'refused', { reason: 'the customer declined to be taken over' });
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
    await WecomFollowModel.updateOne({ tenantId, externalUserId: e.externalUserId, userid: e.userid }, { $set: { status: 'lost', lostAt: e.at, lostBy: 'transfer' } });
    await this.complete({ tenantId, subject: 'customer', mode: 'in_service', target: e.externalUserId, handoverUserid: e.userid, status: { $in: OPEN_STATES } });
  }

  // ── reading ────────────────────────────────────────────────────────────────────────────────
  async list(tenantId: string, filter: { staffId?: string; userid?: string; status?: TransferState; limit: number }) {
    const q: Record<string, unknown> = { tenantId };
    if (filter.staffId) q.$or = [{ handoverStaffId: filter.staffId }, { takeoverStaffId: filter.staffId }];
    else if (filter.userid) q.$or = [{ handoverUserid: filter.userid }, { takeoverUserid: filter.userid }];
    if (filter.status) q.status = filter.status;
    return (await TransferModel.find(q).sort({ createdAt: -1, _id: -1 }).limit(filter.limit).lean()).map(view);
  }

  /** What an admin sees before handing a member's work over. */
  async memberSummary(tenantId: string, staffId: string) {
    const staff = await this.s.staff.get(tenantId, staffId);
    const userid = staff.wecomUserId;
    const [customers, groups, open] = userid
      ? await Promise.all([
          WecomFollowModel.countDocuments({ tenantId, userid, status: 'active' }),
          CustomerGroupModel.countDocuments({ tenantId, ownerUserid: userid, status: 'active' }),
          TransferModel.countDocuments({ tenantId, handoverUserid: userid, status: { $in: OPEN_STATES } }),
        ])
      : [0, 0, 0];
    return { id: staff.id, name: staff.name, wecomUserId: userid ?? null, active: staff.active, customers, groups, openTransfers: open };
  }
}

/** Inserts rows; a row whose customer already has an open transfer (unique openKey) is skipped. */
export async function insertIgnoringOpen(docs: Array<Record<string, unknown>>): Promise<void> {
  if (!docs.length) return;
  try {
    await TransferModel.insertMany(docs, { ordered: false });
  } catch (err) {
    const e = err as { code?: number; writeErrors?: Array<{ code?: number; err?: { code?: number } }> };
    const codes = e.writeErrors?.length ? e.writeErrors.map((w) => w.code ?? w.err?.code) : [e.code];
    if (!codes.every((c) => c === 11000)) throw err;
  }
}

export function view(r: any) {
  return {
    id: String(r._id),
    mode: r.mode as TransferMode,
    subject: r.subject as 'customer' | 'group',
    target: r.target as string,
    customerId: r.customerId ?? null,
    name: r.name ?? null,
    handover: { userid: r.handoverUserid as string, staffId: r.handoverStaffId ?? null },
    takeover: { userid: r.takeoverUserid as string, staffId: r.takeoverStaffId ?? null },
    status: r.status as TransferState,
    errcode: r.errcode ?? null,
    reason: r.reason ?? null,
    requestedAt: r.requestedAt ?? null,
    expectedAt: r.expectedAt ?? null,
    doneAt: r.doneAt ?? null,
    createdAt: r.createdAt,
  };
}
