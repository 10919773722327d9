import { randomBytes } from 'node:crypto';
import type { Deps } from '../../shared/deps.js';
import { conflict } from '../../shared/app-error.js';
import type { WecomClient } from '../../wecom/wecom.client.js';
import { WecomApiError, WecomErrorCode } from '../../wecom/wecom.exception.js';
import { TransferModel, openKeyOf } from './transfer.model.js';
import { TRANSFER_BATCH, claimQueued, insertIgnoringOpen, release, settle, view, type TransferMode } from './transfer-records.js';
import type { TransferService } from './transfer.service.js';

const GROUPS_PER_DAY = 300;
const DAY_MS = 86_400_000;
const BEIJING_MS = 8 * 3_600_000;

/** What a failed chat's errcode means, for the record. */
function groupReason(errcode: number, errmsg: string): string {
  switch (errcode) {
    case 90500:
      return 'the group owner has not left the company; use an in-service transfer';
    case 90501:
      return 'not a customer group';
    case 90502:
      return 'the group owner has left the company; use a resigned transfer';
    case 90507:
      return 'WeCom is already transferring this group';
    case 90508:
      return 'the group was already transferred';
    default:
      return `WeCom refused this group (errcode ${errcode}${errmsg ? `: ${errmsg}` : ''})`;
  }
}

/**
 * A member's customer groups (客户群) handed to a new owner: groupchat/onjob_transfer while the owner
 * is in service, groupchat/transfer once they left. WeCom changes the owner at once, so each group's
 * record is settled by the answer itself; a retried request finds the groups already moved.
 */
/** What transfers need of the customer-groups module: the groups a member owns, and recording a new owner. */
export interface GroupOwnership {
  ownedBy(tenantId: string, ownerUserid: string): Promise<Array<{ chatId: string; name?: string | null }>>;
  countOwnedBy(tenantId: string, ownerUserid: string): Promise<number>;
  setOwner(tenantId: string, chatId: string, owner: { userid: string; staffId?: string }): Promise<void>;
}

export class GroupTransferService {
  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly transfers: TransferService,
    private readonly groups: GroupOwnership,
  ) {}

  /**
   * WeCom hands at most 300 of one member's groups to new owners a day (doc 95703, 分配在职成员的客户群);
   * a request past that is refused whole, before WeCom, saying how many are left today (Beijing day).
   */
  private async withinDailyLimit(tenantId: string, handover: { userid: string; staff?: { name?: string } | null }, want: number) {
    const now = this.deps.now().getTime();
    const dayStart = new Date(Math.floor((now + BEIJING_MS) / DAY_MS) * DAY_MS - BEIJING_MS);
    const done = await TransferModel.countDocuments({
      tenantId,
      subject: 'group',
      mode: 'in_service',
      handoverUserid: handover.userid,
      status: 'transferred',
      appliedAt: { $gte: dayStart },
    });
    const left = Math.max(0, GROUPS_PER_DAY - done);
    if (want > left) {
      const who = handover.staff?.name ?? handover.userid;
      throw conflict(
        WecomErrorCode.TRANSFER_INVALID,
        `WeCom hands over at most ${GROUPS_PER_DAY} of a member's groups a day: ${who} has ${want}, ${left} can go today`,
        { reason: 'daily_group_limit', who, n: want, left },
      );
    }
  }

  async start(
    tenantId: string,
    input: { mode: TransferMode; handoverStaffId?: string; handoverUserid?: string; takeoverStaffId: string; requestedBy?: string },
  ) {
    const handover = await this.transfers.member(tenantId, { staffId: input.handoverStaffId, userid: input.handoverUserid });
    const takeover = await this.transfers.taker(tenantId, input.takeoverStaffId, handover);
    const groups = await this.groups.ownedBy(tenantId, handover.userid);
    if (!groups.length)
      throw conflict(WecomErrorCode.NOTHING_TO_TRANSFER, `${handover.staff?.name ?? handover.userid} owns no customer groups`, {
        who: handover.staff?.name ?? handover.userid,
      });
    if (input.mode === 'in_service') await this.withinDailyLimit(tenantId, handover, groups.length);
    const requestId = randomBytes(8).toString('hex');
    const keys = groups.map((g) => openKeyOf('group', g.chatId, handover.userid));
    await insertIgnoringOpen(
      groups.map((g) => ({
        tenantId,
        mode: input.mode,
        subject: 'group',
        target: g.chatId,
        name: g.name,
        handoverUserid: handover.userid,
        handoverStaffId: handover.staff?.id,
        takeoverUserid: takeover.userid,
        takeoverStaffId: takeover.staff?.id,
        status: 'queued',
        openKey: openKeyOf('group', g.chatId, handover.userid),
        requestId,
        requestedBy: input.requestedBy,
      })),
    );
    const queued = await claimQueued({ tenantId, openKey: { $in: keys }, takeoverUserid: takeover.userid }, this.deps.now());
    for (let i = 0; i < queued.length; i += TRANSFER_BATCH) {
      const chunk = queued.slice(i, i + TRANSFER_BATCH);
      const body = { chat_id_list: chunk.map((r) => r.target), new_owner: takeover.userid };
      let failed: Map<string, { errcode: number; errmsg: string }>;
      try {
        const res = input.mode === 'in_service' ? await this.client.groupChatOnjobTransfer(body) : await this.client.groupChatTransfer(body);
        failed = new Map((res.failed_chat_list ?? []).map((f) => [f.chat_id, { errcode: Number(f.errcode), errmsg: f.errmsg }]));
      } catch (err) {
        if (!(err instanceof WecomApiError)) {
          await release(queued.slice(i).map((r) => r._id)); // unreachable: back to the queue for a retried request
          throw err;
        }
        failed = new Map(chunk.map((r) => [r.target, { errcode: err.errcode, errmsg: err.errmsg }]));
      }
      const now = this.deps.now();
      for (const r of chunk) {
        const f = failed.get(r.target);
        if (f) await settle([r._id], 'failed', now, { errcode: f.errcode, reason: groupReason(f.errcode, f.errmsg) });
        else await settle([r._id], 'transferred', now, { appliedAt: now });
        // WeCom's change_owner callback refreshes the group too; this shows the new owner at once.
        if (!f) await this.groups.setOwner(tenantId, r.target, { userid: takeover.userid, staffId: takeover.staff?.id });
      }
    }
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
}
