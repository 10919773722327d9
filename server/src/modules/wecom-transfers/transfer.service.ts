import { randomBytes } from 'node:crypto';
import type { Deps } from '../../shared/deps.js';
import { AppError, conflict } from '../../shared/app-error.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { StaffService, StaffView } from '../staff/staff.service.js';
import type { WecomClient } from '../../wecom/wecom.client.js';
import { WecomApiError, WecomErrorCode } from '../../wecom/wecom.exception.js';
import type { WecomFollowsService } from '../../wecom/follows.service.js';
import type { GroupOwnership } from './group-transfer.service.js';
import { OPEN_STATES, TransferModel, openKeyOf, type TransferState } from './transfer.model.js';
import { TRANSFER_BATCH, claimQueued, insertIgnoringOpen, release, settle, transferOutcome, view, type TransferMode } from './transfer-records.js';

export type { TransferMode } from './transfer-records.js';

export interface Member {
  userid: string;
  staff?: StaffView;
}

type Row = { _id: unknown; tenantId: string; mode: string; target: string; handoverUserid: string; takeoverUserid: string; message?: string | null };

const invalid = (message: string, details?: unknown) => new AppError(WecomErrorCode.TRANSFER_INVALID, message, { status: 400, details });

/**
 * Customer transfer when staff leave or hand over (在职继承 / 离职继承). Each customer gets our own
 * record first (unique while open), then WeCom is asked in batches of 100; WeCom's answer is kept per
 * customer. The takeover completes later (24 h, or when the customer agrees): TransferResultService
 * settles the records and moves the profiles.
 */
export class TransferService {
  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly s: { customers: CustomerService; staff: StaffService; follows: WecomFollowsService; groups: GroupOwnership },
  ) {}

  /** The WeCom member behind a staff id or a WeCom userid (a member who left may have no account here). */
  async member(tenantId: string, ref: { staffId?: string; userid?: string }): Promise<Member> {
    if (ref.staffId) {
      const staff = await this.s.staff.get(tenantId, ref.staffId);
      if (!staff.wecomUserId) throw invalid(`${staff.name} has no WeCom userid: set it on the staff account first`, { reason: 'no_userid', name: staff.name });
      return { userid: staff.wecomUserId, staff };
    }
    const staff = await this.s.staff.findByWecomUserId(tenantId, ref.userid ?? '');
    return { userid: ref.userid ?? '', staff: staff ?? undefined };
  }

  /** The taker: an active account with a WeCom userid, not the giver. */
  async taker(tenantId: string, staffId: string, handover: Member): Promise<Member> {
    const m = await this.member(tenantId, { staffId });
    if (!m.staff?.active)
      throw conflict(WecomErrorCode.TRANSFER_INVALID, `${m.staff?.name ?? 'The takeover member'}'s account is switched off; choose an active member`, {
        reason: 'inactive',
        name: m.staff?.name ?? '',
      });
    if (m.userid === handover.userid) throw invalid('the takeover member must be someone other than the handover member', { reason: 'same_member' });
    return m;
  }

  async start(
    tenantId: string,
    input: {
      mode: TransferMode;
      handoverStaffId?: string;
      handoverUserid?: string;
      takeoverStaffId: string;
      customerIds?: string[];
      message?: string;
      requestedBy?: string;
    },
  ) {
    const handover = await this.member(tenantId, { staffId: input.handoverStaffId, userid: input.handoverUserid });
    const takeover = await this.taker(tenantId, input.takeoverStaffId, handover);
    const who = handover.staff?.name ?? handover.userid;
    const targets =
      input.mode === 'in_service'
        ? await this.followedBy(tenantId, handover.userid, input.customerIds)
        : await this.unassignedOf(tenantId, handover.userid, input.customerIds);
    if (input.customerIds) {
      const found = new Set(targets.map((t) => t.customerId));
      const missing = input.customerIds.filter((id) => !found.has(id));
      if (missing.length)
        throw invalid(
          input.mode === 'in_service'
            ? `${missing.length} of the chosen customers are not WeCom contacts of ${who}`
            : `${missing.length} of the chosen customers are not on WeCom's unassigned list for ${who}`,
          { reason: input.mode === 'in_service' ? 'not_contacts' : 'not_unassigned', n: missing.length, who, customerIds: missing },
        );
    }
    if (!targets.length)
      throw conflict(
        WecomErrorCode.NOTHING_TO_TRANSFER,
        input.mode === 'in_service'
          ? `${who} has no WeCom customers to hand over`
          : `WeCom lists no unassigned customers for ${who}; has the member left the company in WeCom?`,
        { who },
      );

    const requestId = randomBytes(8).toString('hex');
    const names = await this.s.customers.namesOf(
      tenantId,
      targets.map((t) => t.customerId).filter((x): x is string => Boolean(x)),
    );
    const message = input.mode === 'in_service' ? input.message : undefined;
    await insertIgnoringOpen(
      targets.map((t) => ({
        tenantId,
        mode: input.mode,
        subject: 'customer',
        target: t.externalUserId,
        customerId: t.customerId,
        name: t.customerId ? names.get(t.customerId) : undefined,
        handoverUserid: handover.userid,
        handoverStaffId: handover.staff?.id,
        takeoverUserid: takeover.userid,
        takeoverStaffId: takeover.staff?.id,
        status: 'queued',
        openKey: openKeyOf('customer', t.externalUserId, handover.userid),
        requestId,
        requestedBy: input.requestedBy,
        message,
      })),
    );
    // This request's rows, and any of these customers' rows an earlier attempt left queued (an outage).
    const keys = targets.map((t) => openKeyOf('customer', t.externalUserId, handover.userid));
    await this.send({ tenantId, openKey: { $in: keys }, takeoverUserid: takeover.userid });
    const rows = await TransferModel.find({ tenantId, $or: [{ requestId }, { openKey: { $in: keys } }] })
      .sort({ _id: 1 })
      .lean();
    return {
      requestId,
      started: rows.filter((r) => r.requestId === requestId).length,
      alreadyInProgress: rows.filter((r) => r.requestId !== requestId).length,
      items: rows.map(view),
    };
  }

  private async followedBy(tenantId: string, userid: string, customerIds?: string[]) {
    const rows = await this.s.follows.activeOf(tenantId, userid, customerIds);
    return rows.map((r) => ({ externalUserId: r.externalUserId, customerId: r.customerId as string | undefined }));
  }

  private async unassignedOf(tenantId: string, userid: string, customerIds?: string[]) {
    const rows = (await this.unassignedRows()).filter((r) => r.handover_userid === userid);
    const out = [];
    for (const r of rows)
      out.push({
        externalUserId: r.external_userid,
        customerId: (await this.s.customers.findByIdentity(tenantId, { externalUserId: r.external_userid })) ?? undefined,
      });
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

  /** Sends queued rows this caller can claim, 100 per call per (mode, handover, takeover, message). */
  async send(filter: Record<string, unknown>): Promise<void> {
    const rows: Row[] = await claimQueued(filter, this.deps.now());
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
          const res =
            mode === 'in_service'
              ? await this.client.transferCustomer({ ...input, ...(message ? { transfer_success_msg: message } : {}) })
              : await this.client.resignedTransferCustomer(input);
          answer = new Map((res.customer ?? []).map((c) => [c.external_userid, Number(c.errcode)]));
        } catch (err) {
          // WeCom refused the whole call (takeover not verified, not in the app's range...): every row says why.
          // Unreachable or rate-limited: the rows go back to the queue for a retried request or the job.
          if (!(err instanceof WecomApiError)) {
            await release(group.slice(i).map((r) => r._id));
            throw err;
          }
          const o = transferOutcome(err.errcode);
          await settle(
            chunk.map((r) => r._id),
            o.status === 'pending' ? 'failed' : o.status,
            this.deps.now(),
            { errcode: err.errcode, reason: o.reason ?? err.message },
          );
          continue;
        }
        for (const r of chunk) {
          const code = answer.get(r.target);
          if (code === undefined) {
            await settle([r._id], 'failed', this.deps.now(), { reason: 'WeCom did not answer for this customer' });
            continue;
          }
          const o = transferOutcome(code);
          if (o.status === 'pending')
            await TransferModel.updateOne(
              { _id: r._id, status: 'queued' },
              { $set: { status: 'pending', requestedAt: this.deps.now(), errcode: code }, $unset: { claim: 1, leaseUntil: 1 } },
            );
          else await settle([r._id], o.status, this.deps.now(), { errcode: code, reason: o.reason });
        }
      }
    }
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
          this.s.follows.countActiveOf(tenantId, userid),
          this.s.groups.countOwnedBy(tenantId, userid),
          TransferModel.countDocuments({ tenantId, handoverUserid: userid, status: { $in: OPEN_STATES } }),
        ])
      : [0, 0, 0];
    return { id: staff.id, name: staff.name, wecomUserId: userid ?? null, active: staff.active, customers, groups, openTransfers: open };
  }
}
