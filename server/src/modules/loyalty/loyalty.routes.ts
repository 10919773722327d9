import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import { periodEnd } from '../../shared/http/period.schema.js';
import { AppError, CommonErrorCode, notFound } from '../../shared/app-error.js';
import type { Principal } from '../../shared/http/principal.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { LoyaltyService } from './loyalty.service.js';
import type { SegmentService } from '../segments/segment.service.js';
import { canSeeCustomer, loadVisibleCustomer, requireVisibleCustomer, visibleCustomer } from '../customers/customer-access.js';
import { settingsSchema } from './loyalty-settings.service.js';
import { couponTemplateSchema, couponTemplatePatchSchema } from './coupon.schemas.js';
import { MAX_BATCH_RECIPIENTS } from './coupon-batch.service.js';
import { int } from '../../shared/http/api-schemas.js';
import { Coupon, CouponBatch, CouponTemplate, LoyaltySettings, MemberCard, MemberSummary, PointsEntry, pointsPage, Redemption } from './loyalty.responses.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface LoyaltyRouteApis {
  customers: CustomerService;
  loyalty: LoyaltyService;
  segments: SegmentService;
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const customerParams = z.object({ customerId: objectId });
const idempotencyKey = z.string().trim().min(8, msg('IDEMPOTENCY_KEY')).max(64);
const STAFF = ['admin', 'community_manager', 'sales', 'agent'] as const;
const MANAGERS = ['admin', 'community_manager'] as const;
const loyaltyDay = z.object({ pointsIssued: int, pointsSpent: int, pointsExpired: int, pointsReversed: int, couponsIssued: int, couponsRedeemed: int });
const actor = (p: Principal) => (p.kind === 'staff' ? `staff:${p.id}` : p.kind === 'integration' ? `key:${p.id}` : 'shopper');

/** Staff and integration side of loyalty: members, points adjustments, coupons, configuration. */
export function loyaltyRoutes(s: LoyaltyRouteApis) {
  const api = new ApiRouter('/api/v1/loyalty', 'loyalty');
  const L = s.loyalty;
  const member = requireVisibleCustomer(s.customers, 'customerId');

  api.route(
    { method: 'get', path: '/settings', allow: STAFF, summary: 'The tenant’s tiers, earn rules, expiry and tier window', response: LoyaltySettings },
    ({ tenantId }) => L.settings.get(tenantId),
  );
  api.route(
    {
      method: 'put',
      path: '/settings',
      allow: ['admin'],
      summary: 'Change tiers, earn rules, expiry or tier window (fields given replace the current ones)',
      body: settingsSchema.partial().strict(),
      response: LoyaltySettings,
    },
    ({ tenantId, body }) => L.settings.update(tenantId, body),
  );

  api.route(
    {
      method: 'get',
      path: '/members/:customerId',
      allow: STAFF,
      summary: 'A member’s card: tier, progress, balance, expiring points, recent points',
      params: customerParams,
      use: [member],
      response: MemberCard,
    },
    async ({ tenantId, ctx }) => {
      const id = String(visibleCustomer(ctx)._id);
      const [summary, recent, coupons] = await Promise.all([
        L.summary(tenantId, id),
        L.ledger.list(tenantId, id, { limit: 10 }),
        L.coupons.listForCustomer(tenantId, id, 'available'),
      ]);
      return { ...summary, recentPoints: recent.items, availableCoupons: coupons };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/members/:customerId/ledger',
      allow: STAFF,
      summary: 'A member’s points ledger, newest first, cursor paginated',
      params: customerParams,
      query: z.object({
        cursor: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
        type: z.enum(['earn', 'spend', 'expire', 'reverse']).optional(),
      }),
      use: [member],
      response: pointsPage(PointsEntry),
    },
    async ({ query, tenantId, ctx }) => {
      const id = String(visibleCustomer(ctx)._id);
      return L.ledger.list(tenantId, id, query);
    },
  );

  api.route(
    {
      method: 'post',
      path: '/members/:customerId/points',
      allow: ['admin', 'sales'],
      status: 201,
      summary: 'Adjust a member’s points with a reason (positive adds, negative deducts; refused with 409 if short)',
      params: customerParams,
      body: z.object({
        points: z
          .number()
          .int(msg('POINTS_WHOLE'))
          .min(-1_000_000)
          .max(1_000_000)
          .refine((n) => n !== 0, msg('POINTS_NOT_ZERO')),
        reason: z.string().trim().min(2, msg('POINTS_REASON_REQUIRED')).max(200),
        idempotencyKey,
      }),
      use: [member],
      response: PointsEntry.extend({ duplicate: z.boolean().describe('true when this idempotencyKey was posted before: the entry is the first one') }),
      errors: [409],
    },
    async ({ body, principal, tenantId, ctx }) => {
      const id = String(visibleCustomer(ctx)._id);
      return L.adjust(tenantId, id, { ...body, operator: actor(principal) });
    },
  );

  api.route(
    {
      method: 'get',
      path: '/members/:customerId/coupons',
      allow: STAFF,
      summary: 'A member’s coupons',
      params: customerParams,
      query: z.object({ state: z.enum(['available', 'used', 'expired', 'revoked']).optional() }),
      use: [member],
      response: z.object({ items: z.array(Coupon) }),
    },
    async ({ query, tenantId, ctx }) => {
      const id = String(visibleCustomer(ctx)._id);
      return { items: await L.coupons.listForCustomer(tenantId, id, query.state) };
    },
  );

  api.route(
    {
      method: 'post',
      path: '/members/:customerId/coupons',
      allow: STAFF,
      status: 201,
      summary: 'Send one coupon to a customer (sidebar one-tap)',
      params: customerParams,
      body: z.object({ templateId: objectId, idempotencyKey }),
      use: [member],
      response: Coupon,
      errors: [409],
    },
    async ({ body, principal, tenantId, ctx }) => {
      const id = String(visibleCustomer(ctx)._id);
      await L.join(tenantId, id, 'staff');
      return L.coupons.issue(tenantId, {
        templateId: body.templateId,
        customerId: id,
        channel: 'staff',
        issueKey: `staff:${body.idempotencyKey}`,
        issuedBy: actor(principal),
      });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/scan',
      allow: STAFF,
      summary: 'Find a member by the code on their card (valid 5 minutes)',
      body: z.object({ payload: z.string().min(10).max(2000) }),
      response: MemberSummary,
      errors: [404],
    },
    async ({ body, principal, tenantId }) => {
      const member = await L.members.scan(tenantId, body.payload);
      const id = String((await loadVisibleCustomer(s.customers, principal, tenantId, String(member.customerId)))._id);
      return L.summary(tenantId, id);
    },
  );

  api.route(
    {
      method: 'get',
      path: '/templates',
      allow: STAFF,
      summary: 'Coupon templates',
      query: z.object({ channel: z.enum(['exchange', 'campaign', 'staff', 'welcome']).optional() }),
      response: z.object({ items: z.array(CouponTemplate) }),
    },
    async ({ tenantId, query }) => ({
      items: await L.coupons.listTemplates(tenantId, { channel: query.channel }),
    }),
  );
  api.route(
    {
      method: 'post',
      path: '/templates',
      allow: MANAGERS,
      status: 201,
      summary: 'Create a coupon template',
      body: couponTemplateSchema,
      response: CouponTemplate,
      errors: [409],
    },
    ({ tenantId, body }) => L.coupons.createTemplate(tenantId, body),
  );
  api.route(
    {
      method: 'patch',
      path: '/templates/:id',
      allow: MANAGERS,
      summary: 'Change a coupon template (stock, validity, active…)',
      params: z.object({ id: objectId }),
      body: couponTemplatePatchSchema,
      response: CouponTemplate,
      errors: [409],
    },
    ({ tenantId, params, body }) => L.coupons.updateTemplate(tenantId, params.id, body),
  );

  api.route(
    {
      method: 'get',
      path: '/coupons/:code',
      allow: STAFF,
      summary: 'Look up a coupon by its code',
      params: z.object({ code: z.string().trim().min(4).max(64) }),
      response: Coupon,
    },
    async ({ params, principal, tenantId }) => {
      const c = await L.coupons.getByCode(tenantId, params.code);
      await loadVisibleCustomer(s.customers, principal, tenantId, String(c.customerId));
      return (await L.coupons.listForCustomer(tenantId, String(c.customerId))).find((x: { id: string }) => x.id === String(c._id));
    },
  );

  api.route(
    {
      method: 'post',
      path: '/coupons/redeem',
      allow: ['admin', 'sales', 'agent', 'integration'],
      summary:
        'Redeem (核销) a coupon by code or scan, once, answering what it takes off the order (discount in fen, free shipping, gift); repeating for the same order answers the same',
      body: z.object({
        code: z.string().trim().min(4).max(64),
        orderId: z.string().trim().min(1).max(128).optional(),
        orderAmount: z.number().int(msg('AMOUNT_INTEGER_FEN')).min(0).optional(),
        shippingFee: z.number().int(msg('AMOUNT_INTEGER_FEN')).min(0).optional(),
      }),
      response: Redemption,
      errors: [404, 409],
    },
    async ({ body, principal, tenantId }) => {
      const c = await L.coupons.getByCode(tenantId, body.code);
      if (principal.kind === 'staff') {
        const owner = await s.customers.get(tenantId, String(c.customerId)).catch(() => null);
        if (!owner || !canSeeCustomer(principal, owner)) throw notFound('Coupon');
      }
      return L.coupons.redeem(tenantId, body.code, {
        orderId: body.orderId,
        orderAmount: body.orderAmount,
        shippingFee: body.shippingFee,
        redeemedBy: actor(principal),
      });
    },
  );

  api.route(
    {
      method: 'post',
      path: '/coupons/:code/revoke',
      allow: MANAGERS,
      summary: 'Revoke an available coupon',
      params: z.object({ code: z.string().trim().min(4).max(64) }),
      response: Coupon,
      errors: [409],
    },
    ({ params, principal, tenantId }) => L.coupons.revoke(tenantId, params.code, actor(principal)),
  );

  api.route(
    {
      method: 'post',
      path: '/batches',
      allow: MANAGERS,
      status: 202,
      summary: 'Issue a coupon to a saved segment (or a list of customers) as a background job; poll the batch for progress',
      body: z.union([
        z.object({ templateId: objectId, segmentId: objectId }).strict(),
        z
          .object({
            templateId: objectId,
            customerIds: z.array(objectId).min(1).max(MAX_BATCH_RECIPIENTS, msg('COUPON_BATCH_AT_MOST')),
          })
          .strict(),
      ]),
      response: CouponBatch,
      errors: [404, 409],
    },
    async ({ body, principal, tenantId }) => {
      if ('customerIds' in body) return L.batches.create(tenantId, body.templateId, body.customerIds, actor(principal));
      // The segment's members as of now (a dynamic segment is evaluated once, here).
      const page = await s.segments.pager(tenantId, body.segmentId);
      const ids: string[] = [];
      for (let after = null as Parameters<typeof page>[0]; ids.length <= MAX_BATCH_RECIPIENTS;) {
        const rows = await page(after, 1000);
        ids.push(...rows.map(String));
        if (rows.length < 1000) break;
        after = rows[rows.length - 1];
      }
      if (ids.length > MAX_BATCH_RECIPIENTS)
        throw new AppError(
          CommonErrorCode.VALIDATION,
          `This segment has more than ${MAX_BATCH_RECIPIENTS} customers; narrow it or split it into smaller segments`,
          { status: 400 },
        );
      if (!ids.length) throw new AppError(CommonErrorCode.VALIDATION, 'This segment has no customers right now; nothing to issue', { status: 400 });
      return L.batches.create(tenantId, body.templateId, ids, actor(principal), body.segmentId);
    },
  );
  api.route(
    {
      method: 'get',
      path: '/batches',
      allow: MANAGERS,
      summary: 'Recent bulk issues with their progress, newest first',
      response: z.object({ items: z.array(CouponBatch) }),
    },
    async ({ tenantId }) => ({ items: await L.batches.list(tenantId) }),
  );
  api.route(
    { method: 'get', path: '/batches/:id', allow: MANAGERS, summary: 'Progress of a bulk issue', params: z.object({ id: objectId }), response: CouponBatch },
    ({ params, tenantId }) => L.batches.get(tenantId, params.id),
  );

  api.route(
    {
      method: 'get',
      path: '/report',
      allow: MANAGERS,
      summary: 'Points issued/spent/expired/reversed and coupons issued/redeemed per local day, for the N days ending today (or on `to`)',
      query: z.object({ days: z.coerce.number().int().min(1, msg('DAYS_1_TO_90')).max(90, msg('DAYS_1_TO_90')).default(14), to: periodEnd }),
      response: z.object({ days: z.array(loyaltyDay.extend({ day: z.string().describe('local day, YYYY-MM-DD') })), totals: loyaltyDay }),
    },
    ({ tenantId, query }) => L.report.daily(tenantId, query.days, query.to),
  );
  api.route(
    {
      method: 'get',
      path: '/reconcile',
      allow: ['admin'],
      summary: 'Recompute every balance from the ledger and report drift (must be zero)',
      response: z.object({
        members: int,
        entries: int,
        pending: int,
        drift: z.array(z.object({ customerId: z.string(), stored: int, ledger: int })),
        driftTotal: int.describe('must be 0'),
      }),
    },
    ({ tenantId }) => L.ledger.reconcile(tenantId),
  );
  api.route(
    {
      method: 'post',
      path: '/tiers/review',
      allow: ['admin'],
      summary: 'Run the tier review (downgrades after the grace period) now',
      response: z.object({ reviewed: int, downgraded: int, warned: int }),
    },
    ({ tenantId }) => L.members.reviewTiers(tenantId),
  );

  return api;
}
