import { z } from 'zod';
import { AppError, CommonErrorCode } from '../../shared/app-error.js';
import type { IdentityType } from './customer.model.js';
import { msg } from '../../shared/http/validation-message.js';

/** How callers name a person: any of these; more than one lets us link profiles. */
export const identityInputSchema = z
  .object({
    externalUserId: z.string().min(1).max(128).optional(),
    unionId: z.string().min(1).max(128).optional(),
    openId: z.string().min(1).max(128).optional(),
    appId: z.string().min(1).max(64).optional(),
    phone: z.string().min(5).max(32).optional(),
    shopMemberId: z.string().min(1).max(128).optional(),
    /** A chat contact as the bot's puppet names it (bot/); see the conversations module. */
    wechatyContactId: z.string().min(1).max(128).optional(),
  })
  .refine((v) => v.externalUserId || v.unionId || v.openId || v.phone || v.shopMemberId || v.wechatyContactId, {
    message: msg('IDENTITY_REQUIRED'),
  })
  .refine((v) => !v.openId || v.appId, { message: msg('OPENID_NEEDS_APPID'), path: ['appId'] });
export type IdentityInput = z.infer<typeof identityInputSchema>;

export interface IdentityKey {
  type: IdentityType;
  key: string;
  /** As shown on the profile. */
  value: string;
  appId?: string;
}

/** Mainland numbers lose their +86 and punctuation; others keep their digits with a leading +. */
export function normalisePhone(raw: string): string {
  const digits = raw.replace(/[^\d+]/g, '');
  const cn = digits.replace(/^(\+?86)(1\d{10})$/, '$2');
  if (/^1\d{10}$/.test(cn)) return cn;
  if (/^\+?\d{5,20}$/.test(digits)) return digits;
  throw new AppError(CommonErrorCode.VALIDATION, `"${raw}" is not a phone number`, { status: 400 });
}

export function identityKeys(input: IdentityInput): IdentityKey[] {
  const keys: IdentityKey[] = [];
  if (input.externalUserId) keys.push({ type: 'externalUserId', key: input.externalUserId, value: input.externalUserId });
  if (input.unionId) keys.push({ type: 'unionId', key: input.unionId, value: input.unionId });
  if (input.openId && input.appId) keys.push({ type: 'openId', key: `${input.appId}:${input.openId}`, value: input.openId, appId: input.appId });
  if (input.phone) {
    const phone = normalisePhone(input.phone);
    keys.push({ type: 'phone', key: phone, value: phone });
  }
  if (input.shopMemberId) keys.push({ type: 'shopMemberId', key: input.shopMemberId, value: input.shopMemberId });
  if (input.wechatyContactId) keys.push({ type: 'wechatyContactId', key: input.wechatyContactId, value: input.wechatyContactId });
  return keys;
}

export const keyId = (k: { type: string; key: string }) => `${k.type}\u0000${k.key}`;
