import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import { notFound } from '../../shared/app-error.js';
import type { Principal } from '../../shared/http/principal.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { Deps } from '../../shared/deps.js';
import type { LoyaltyService } from './loyalty.service.js';
import type { JsonText } from '../../shared/json-text.js';
import { maskPhone } from '../privacy/masking.js';
import { dateTime, objectIdString } from '../../shared/http/api-schemas.js';
import { CatalogueItem, Coupon, MemberSummary, MyPointsEntry, MyTier, PointsBalance, pointsPage } from './loyalty.responses.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface MeRouteApis {
  customers: CustomerService;
  deps: Deps;
  loyalty: LoyaltyService;
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const idempotencyKey = z.string().trim().min(8, msg('IDEMPOTENCY_KEY')).max(64);
const SHOPPER = ['shopper'] as const;

/**
 * The shopper's own loyalty data. Every route here takes the customer from the token, never from the
 * request, so there is no way to name another shopper. A merged profile's token keeps working: it
 * resolves to the profile it was merged into.
 */
async function me(s: MeRouteApis, principal: Principal, tenantId: string): Promise<string> {
  if (principal.kind !== 'shopper') throw notFound('Shopper');
  return String((await s.customers.get(tenantId, principal.customerId))._id);
}

type CachedLoad<T> = (customerId: string, tenantGen?: string) => Promise<{ value: T; changesAt: Date | null }>;

/**
 * A read of the shopper's own data through the shopper cache (shared/cache/shopper-cache.ts), keyed by
 * the token's customer (never by anything in the request), as a value.
 */
function cachedRead<T>(s: MeRouteApis, principal: Principal, tenantId: string, part: string, load: CachedLoad<T>): Promise<T> {
  if (principal.kind !== 'shopper') throw notFound('Shopper');
  return s.loyalty.shoppers.read(tenantId, principal.customerId, part, cachedLoader(s, principal, tenantId, load));
}

/** The same read as the response body: a cache hit is sent as the stored JSON. */
function cachedBody<T>(s: MeRouteApis, principal: Principal, tenantId: string, part: string, load: CachedLoad<T>): Promise<JsonText> {
  if (principal.kind !== 'shopper') throw notFound('Shopper');
  return s.loyalty.shoppers.readJson(tenantId, principal.customerId, part, cachedLoader(s, principal, tenantId, load));
}

/**
 * A token whose profile was merged into another is answered but not cached: that answer belongs to the
 * survivor, whose changes the token's key would not see.
 */
function cachedLoader<T>(s: MeRouteApis, principal: Principal & { kind: 'shopper' }, tenantId: string, load: CachedLoad<T>) {
  return async (tenantGen?: string) => {
    const id = await me(s, principal, tenantId);
    return { ...(await load(id, tenantGen)), cacheable: id === principal.customerId };
  };
}

export function meRoutes(s: MeRouteApis) {
  const api = new ApiRouter('/api/v1/me', 'me');
  const L = s.loyalty;

  const profile = z.object({
    customerId: objectIdString,
    name: z.string().nullable(),
    avatar: z.string().nullable(),
    phone: z.string().nullable().describe('masked: 138****0000'),
    member: z.object({ memberNo: z.string(), tier: z.string(), balance: z.number().int(), joinedAt: dateTime }).nullable(),
    birthday: z.object({ month: z.number().int(), day: z.number().int() }).nullable(),
  });
  api.route(
    { method: 'get', path: '/', allow: SHOPPER, errors: [404], summary: 'My profile summary and membership, if any', response: profile },
    async ({ principal, tenantId }) => {
      const c = await s.customers.get(tenantId, (principal as Extract<Principal, { kind: 'shopper' }>).customerId);
      const member = await L.members.find(tenantId, String(c._id));
      return {
        customerId: String(c._id),
        name: c.name ?? null,
        avatar: c.avatar ?? null,
        phone: maskPhone(c.phone) ?? null,
        member: member ? { memberNo: member.memberNo, tier: member.tier, balance: member.balance, joinedAt: member.joinedAt } : null,
        birthday: c.birthday?.month ? { month: c.birthday.month, day: c.birthday.day } : null,
      };
    },
  );

  api.route(
    {
      method: 'put',
      path: '/birthday',
      allow: SHOPPER,
      summary: 'Tell us my birthday (month and day) for the birthday gift; once — 409 when one is already on file',
      body: z
        .object({ month: z.number().int().min(1, msg('MONTH_1_TO_12')).max(12, msg('MONTH_1_TO_12')), day: z.number().int().min(1).max(31) })
        .strict()
        .refine((b) => b.day <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][b.month - 1]!, { message: msg('NO_SUCH_DAY_IN_MONTH') }),
      response: z.object({ birthday: z.object({ month: z.number().int(), day: z.number().int() }) }),
      errors: [404, 409],
    },
    async ({ principal, tenantId, body }) => ({
      birthday: await L.birthdays.setBirthday(s.customers, tenantId, await me(s, principal, tenantId), body.month, body.day),
    }),
  );

  api.route(
    {
      method: 'post',
      path: '/membership',
      allow: SHOPPER,
      errors: [404],
      status: 201,
      summary: 'Join the loyalty programme, consenting to its terms',
      body: z.object({ consent: z.literal(true, msg('JOIN_CONSENT')) }),
      response: MemberSummary,
    },
    async ({ principal, tenantId }) => {
      const id = await me(s, principal, tenantId);
      await L.join(tenantId, id, 'shopper', true);
      return L.summary(tenantId, id);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/card',
      allow: SHOPPER,
      errors: [404],
      summary: 'My member card (joins on first view) with a 5-minute scan code',
      response: MemberSummary.extend({ card: z.object({ payload: z.string(), expiresAt: dateTime }) }),
    },
    async ({ principal, tenantId }) => {
      const id = await me(s, principal, tenantId);
      const member = await L.join(tenantId, id, 'shopper');
      return { ...(await L.summary(tenantId, id)), card: await L.members.cardPayload(tenantId, member) };
    },
  );

  api.route(
    { method: 'get', path: '/tier', allow: SHOPPER, errors: [404], summary: 'My tier, growth value and progress to the next tier', response: MyTier },
    async ({ principal, tenantId }) => {
      const sum = await L.summary(tenantId, await me(s, principal, tenantId));
      return { tier: sum.tier, growth: sum.growth, nextTier: sum.nextTier, downgrade: sum.downgrade, tierHistory: sum.tierHistory };
    },
  );

  api.route(
    { method: 'get', path: '/points', allow: SHOPPER, errors: [404], summary: 'My points balance and what expires when', response: PointsBalance },
    ({ principal, tenantId }) => cachedBody(s, principal, tenantId, 'points', (id, gen) => L.pointsForCache(tenantId, id, gen)),
  );

  api.route(
    {
      method: 'get',
      path: '/points/ledger',
      allow: SHOPPER,
      errors: [404],
      summary:
        'My points history, newest first (type, source, orderId, couponName: the pages word each entry; reason is for staff); pass nextCursor back as cursor for the next page',
      query: z.object({
        cursor: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
        type: z.enum(['earn', 'spend', 'expire', 'reverse']).optional(),
      }),
      response: pointsPage(MyPointsEntry),
    },
    async ({ principal, tenantId, query }) => {
      const page = await L.ledger.list(tenantId, await me(s, principal, tenantId), query);
      return {
        items: page.items.map((e) => ({
          id: e.id,
          type: e.type,
          points: e.points,
          reason: e.reason,
          source: e.source,
          orderId: e.orderId,
          couponName: e.couponName,
          shortfall: e.shortfall,
          balanceAfter: e.balanceAfter,
          expiresAt: e.expiresAt,
          createdAt: e.createdAt,
        })),
        nextCursor: page.nextCursor,
      };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/points/expiring',
      allow: SHOPPER,
      errors: [404],
      summary: 'My points by expiry date (N points expire on date)',
      response: z.object({ items: PointsBalance.shape.expiring }),
    },
    async ({ principal, tenantId }) => ({
      items: (await cachedRead(s, principal, tenantId, 'points', (id, gen) => L.pointsForCache(tenantId, id, gen))).expiring,
    }),
  );

  api.route(
    {
      method: 'post',
      path: '/check-in',
      allow: SHOPPER,
      summary: 'Daily check-in for points (once per day; 409 when already done)',
      response: z.object({ day: z.string(), points: z.number().int(), balance: z.number().int().nullable().optional() }),
      errors: [404, 409],
    },
    async ({ principal, tenantId }) => L.checkIn(tenantId, await me(s, principal, tenantId)),
  );

  api.route(
    {
      method: 'get',
      path: '/coupons',
      allow: SHOPPER,
      errors: [404],
      summary: 'My coupons, optionally by state',
      query: z.object({ state: z.enum(['available', 'used', 'expired', 'revoked']).optional() }),
      response: z.object({ items: z.array(Coupon) }),
    },
    ({ principal, tenantId, query }) =>
      cachedBody(s, principal, tenantId, `coupons:${query.state ?? 'all'}`, (id) => L.coupons.listForCache(tenantId, id, query.state)),
  );

  api.route(
    {
      method: 'get',
      path: '/exchange',
      allow: SHOPPER,
      errors: [404],
      summary: 'The points exchange catalogue, with what I can claim',
      response: z.object({ items: z.array(CatalogueItem) }),
    },
    async ({ principal, tenantId }) => ({
      items: await L.coupons.catalogue(tenantId, await me(s, principal, tenantId)),
    }),
  );

  api.route(
    {
      method: 'post',
      path: '/exchange',
      allow: SHOPPER,
      status: 201,
      summary: 'Exchange points for a coupon; the same idempotencyKey always answers with the same coupon',
      body: z.object({ templateId: objectId, idempotencyKey }),
      response: Coupon,
      errors: [404, 409],
    },
    async ({ principal, tenantId, body }) => {
      const id = await me(s, principal, tenantId);
      await L.join(tenantId, id, 'shopper');
      return L.coupons.issue(tenantId, { templateId: body.templateId, customerId: id, channel: 'exchange', issueKey: `exchange:${id}:${body.idempotencyKey}` });
    },
  );

  return api;
}
