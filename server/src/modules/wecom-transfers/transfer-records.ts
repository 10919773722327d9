import { randomBytes } from 'node:crypto';
import { Errcode } from '../../wecom/wecom.exception.js';
import { OPEN_STATES, TransferModel, type TransferState } from './transfer.model.js';
import type { LeanDoc } from '../../shared/db.js';

/** Helpers shared by the customer and group transfer services: outcomes, idempotent inserts, claims, views. */
export type TransferMode = 'in_service' | 'resigned';
/** WeCom takes at most 100 customers (or groups) per transfer call. */
export const TRANSFER_BATCH = 100;
const LEASE_MS = 60_000;

/** What a per-customer errcode means for the record: its state and a reason an admin can act on. */
export function transferOutcome(errcode: number): { status: TransferState; reason?: string } {
  switch (errcode) {
    case 0:
      return { status: 'pending' };
    case Errcode.TRANSFER_IN_PROGRESS:
      // Our own earlier call got through before a crash or timeout: the takeover is under way.
      return { status: 'pending' };
    case Errcode.TAKEOVER_AT_LIMIT:
      return { status: 'limit', reason: LIMIT_REASON };
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
export const LIMIT_REASON = 'the takeover member has reached WeCom’s customer limit; choose another member';
export const REFUSED_REASON = 'the customer declined to be taken over';

/** Inserts rows; a row whose customer (or group) already has an open transfer (unique openKey) is skipped. */
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

/**
 * Takes the queued rows no one else is sending (two starts of the same request at once, or the job
 * meeting a live request): only the claimer calls WeCom for them.
 */
export async function claimQueued(filter: Record<string, unknown>, now: Date) {
  const claim = randomBytes(8).toString('hex');
  await TransferModel.updateMany(
    { ...filter, status: 'queued', $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }] },
    { $set: { claim, leaseUntil: new Date(now.getTime() + LEASE_MS) } },
  );
  return TransferModel.find({ claim, status: 'queued' }).sort({ _id: 1 }).lean();
}

/** WeCom could not be reached: the rows go back to the queue at once, for a retried request or the job. */
export async function release(ids: unknown[]): Promise<void> {
  await TransferModel.updateMany({ _id: { $in: ids }, status: 'queued' }, { $unset: { claim: 1, leaseUntil: 1 } });
}

/** Closes open rows in a final state (never reopens a finished one). */
export async function settle(ids: unknown[], status: TransferState, at: Date, extra: { errcode?: number; reason?: string; appliedAt?: Date } = {}) {
  if (!ids.length) return;
  await TransferModel.updateMany(
    { _id: { $in: ids }, status: { $in: OPEN_STATES } },
    { $set: { status, doneAt: at, ...extra }, $unset: { openKey: 1, claim: 1, leaseUntil: 1 } },
  );
}

export function view(r: LeanDoc<typeof TransferModel>) {
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
