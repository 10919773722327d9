import { z } from 'zod';
import { ApiRouter } from '../../shared/http/route.js';
import type { TransferService } from './transfer.service.js';
import type { GroupTransferService } from './group-transfer.service.js';
import { TRANSFER_STATES } from './transfer.model.js';
import { maskName, personalDataPolicy } from '../privacy/masking.js';
import { MemberSummary, TransferList, TransferStarted, Unassigned } from './transfer.responses.js';
import { msg } from '../../shared/http/validation-message.js';

/** The module APIs these routes use, and nothing else. */
export interface TransferRouteApis {
  transfers: TransferService;
  groupTransfers: GroupTransferService;
}

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const userid = z.string().trim().min(1).max(64);

/** Who hands over: a staff account, or (a member who left without an account here) a WeCom userid. */
const handover = {
  mode: z.enum(['in_service', 'resigned'], { message: "use 'in_service' (在职继承) or 'resigned' (离职继承)" }),
  handoverStaffId: objectId.optional(),
  handoverUserid: userid.optional(),
  takeoverStaffId: objectId,
};
const oneHandover = (b: { handoverStaffId?: string; handoverUserid?: string }) => Boolean(b.handoverStaffId) !== Boolean(b.handoverUserid);
const oneHandoverMessage = { message: msg('HANDOVER_ONE_OF'), path: ['handoverStaffId'] };

/** 在职继承 / 离职继承: hand a member's WeCom customers and groups to another member, and follow the result. */
export function transferRoutes(s: TransferRouteApis) {
  const api = new ApiRouter('/api/v1/wecom/transfers', 'wecom');
  const w = s;
  const by = (principal: { kind: string; id?: string }) => (principal.kind === 'staff' ? principal.id : undefined);

  api.route(
    {
      method: 'post',
      path: '/',
      allow: ['admin'],
      status: 202,
      summary: "Hand a member's WeCom customers to another member (all, or the chosen ones); a customer already in transfer is not sent again",
      body: z
        .object({
          ...handover,
          customerIds: z.array(objectId).min(1, msg('TRANSFER_CUSTOMERS_REQUIRED')).max(5000).optional(),
          message: z.string().trim().min(1).max(200, msg('WECOM_TEXT_AT_MOST_200')).optional(),
        })
        .strict()
        .refine(oneHandover, oneHandoverMessage)
        .refine((b) => b.mode === 'in_service' || !b.message, {
          message: msg('TRANSFER_MESSAGE_IN_SERVICE_ONLY'),
          path: ['message'],
        }),
      response: TransferStarted,
      errors: [404, 409],
    },
    ({ tenantId, body, principal }) => w.transfers.start(tenantId, { ...body, requestedBy: by(principal) }),
  );

  api.route(
    {
      method: 'post',
      path: '/groups',
      allow: ['admin'],
      status: 202,
      summary: "Hand a member's customer groups (客户群) to another member as owner",
      body: z.object(handover).strict().refine(oneHandover, oneHandoverMessage),
      response: TransferStarted,
      errors: [404, 409],
    },
    ({ tenantId, body, principal }) => w.groupTransfers.start(tenantId, { ...body, requestedBy: by(principal) }),
  );

  api.route(
    {
      method: 'get',
      path: '/',
      allow: ['admin', 'community_manager'],
      summary: 'Transfer records, newest first (of one member, given or taken: staffId, or the WeCom userid of a member who left)',
      query: z.object({
        staffId: objectId.optional(),
        userid: userid.optional(),
        status: z.enum(TRANSFER_STATES).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      response: TransferList,
    },
    async ({ tenantId, query, principal }) => {
      const items = await w.transfers.list(tenantId, query);
      // Community managers see customers' names masked, here as everywhere (group names are not personal).
      const names = personalDataPolicy(principal).name;
      return { items: names ? items : items.map((r) => (r.subject === 'customer' ? { ...r, name: maskName(r.name) ?? null } : r)) };
    },
  );

  api.route(
    {
      method: 'get',
      path: '/members/:id',
      allow: ['admin', 'community_manager'],
      summary: "A member's WeCom customers and groups, before handing them over",
      params: z.object({ id: objectId }),
      response: MemberSummary,
    },
    ({ tenantId, params }) => w.transfers.memberSummary(tenantId, params.id),
  );

  api.route(
    {
      method: 'get',
      path: '/unassigned',
      allow: ['admin'],
      summary: "WeCom's customers of members who left the company, by member (离职待分配)",
      response: Unassigned,
    },
    async ({ tenantId }) => ({
      items: await w.transfers.unassigned(tenantId),
    }),
  );

  return api;
}
