import type { ApiClient } from './http';

/** The shopper's own loyalty data under /api/v1/me (points are integers, money is fen). */
export interface Tier {
  code: string;
  name: string;
  multiplierPermille?: number;
  birthdayPoints?: number;
  perks?: string[];
}

export interface MemberSummary {
  memberNo: string;
  balance: number;
  tier: Tier;
  growth: { value: number; windowDays: number };
  nextTier: { code: string; name: string; threshold: number; needed: number } | null;
  expiring: { date: string; points: number }[];
}

export interface Me {
  customerId: string;
  name: string | null;
  phone: string | null;
  member: { memberNo: string; tier: string; balance: number } | null;
  birthday: { month: number; day: number } | null;
}

export interface LedgerEntry {
  id: string;
  type: 'earn' | 'spend' | 'expire' | 'reverse';
  points: number;
  /** Written for staff and machines; pages word an entry from source, type and couponName. */
  reason?: string;
  source?: string;
  orderId?: string;
  couponName?: string;
  shortfall?: number;
  balanceAfter: number;
  createdAt: string;
}

export type CouponState = 'available' | 'used' | 'expired' | 'revoked' | 'pending';

export interface CouponFace {
  name: string;
  kind: 'amount' | 'percent' | 'shipping' | 'gift';
  amountOff: number;
  threshold: number;
  discountTenths: number;
  maxOff: number;
  giftName?: string;
}

export interface Coupon extends CouponFace {
  id: string;
  code: string;
  state: CouponState;
  validFrom: string;
  validTo: string;
  usedAt?: string;
}

export interface CatalogueItem extends CouponFace {
  id: string;
  description: string;
  pointsCost: number;
  remaining: number;
  soldOut: boolean;
  tierAllowed: boolean;
  affordable: boolean;
  minTier?: string;
  validity: { kind: string; days?: number; to?: string };
}

export const memberApi = (api: ApiClient) => ({
  demoLogin: (phone: string) => api.post<{ token: string; customerId: string }>('/auth/shopper/demo-login', { phone }),
  wechatAuthorize: (path: string, state: string) => api.get<{ url: string }>('/auth/shopper/wechat/authorize', { path, state }),
  wechatLogin: (code: string) => api.post<{ token: string; customerId: string }>('/auth/shopper/wechat', { code }),
  me: () => api.get<Me>('/me'),
  setBirthday: (month: number, day: number) => api.put<{ birthday: { month: number; day: number } }>('/me/birthday', { month, day }),
  card: () => api.get<MemberSummary & { card: { payload: string; expiresAt: string } }>('/me/card'),
  points: () => api.get<{ balance: number; expiring: { date: string; points: number }[] }>('/me/points'),
  ledger: (cursor?: string) => api.get<{ items: LedgerEntry[]; nextCursor: string | null }>('/me/points/ledger', { cursor, limit: 20 }),
  checkIn: () => api.post<{ day: string; points: number; balance: number }>('/me/check-in'),
  coupons: (state: CouponState) => api.get<{ items: Coupon[] }>('/me/coupons', { state }),
  catalogue: () => api.get<{ items: CatalogueItem[] }>('/me/exchange'),
  exchange: (templateId: string, idempotencyKey: string) => api.post<Coupon>('/me/exchange', { templateId, idempotencyKey }),
});
