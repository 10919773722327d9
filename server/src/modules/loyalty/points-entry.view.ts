import { Types } from 'mongoose';
import { AppError, CommonErrorCode } from '../../shared/app-error.js';
import type { EntryType, PointsEntryDoc } from './points.model.js';

/** A ledger entry as the API shows it, and the cursor its lists page by. */
export interface EntryView {
  id: string;
  key: string;
  type: EntryType;
  points: number;
  requested: number;
  shortfall: number;
  state: 'pending' | 'applied' | 'void';
  reason: string;
  source: string;
  operator?: string;
  orderId?: string;
  couponName?: string;
  balanceAfter?: number | null;
  expiresAt?: Date;
  createdAt: Date;
}

export const entryView = (e: PointsEntryDoc): EntryView => ({
  id: String(e._id),
  key: e.key,
  type: e.type,
  points: e.points,
  requested: e.requested,
  shortfall: e.shortfall ?? 0,
  state: e.state,
  reason: e.reason,
  source: e.source,
  operator: e.operator ?? undefined,
  orderId: e.orderId ?? undefined,
  couponName: e.couponName ?? undefined,
  balanceAfter: e.balanceAfter ?? null,
  expiresAt: e.expiresAt ?? undefined,
  createdAt: e.createdAt,
});

export function encodeCursor(at: Date, id: Types.ObjectId): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

export function decodeCursor(cursor?: string): { at: Date; id: Types.ObjectId } | null {
  if (!cursor) return null;
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(at);
  if (!id || !Types.ObjectId.isValid(id) || Number.isNaN(+date))
    throw new AppError(CommonErrorCode.VALIDATION, 'The cursor is not one this API gave out; start again without it', { status: 400 });
  return { at: date, id: new Types.ObjectId(id) };
}
