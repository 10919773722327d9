import { z } from 'zod';
import { component, dateTime, int, objectIdString } from '../../shared/http/api-schemas.js';
import { TRANSFER_STATES } from './transfer.model.js';

/** 在职继承 / 离职继承 answers as the OpenAPI document publishes them (transfer-records.ts view). */

const member = z.object({ userid: z.string().describe('WeCom userid'), staffId: z.string().nullable() });

export const Transfer = component(
  'WecomTransfer',
  z.object({
    id: objectIdString,
    mode: z.enum(['in_service', 'resigned']),
    subject: z.enum(['customer', 'group']),
    target: z.string().describe('the external_userid, or the group chat id'),
    customerId: z.string().nullable(),
    name: z.string().nullable().describe("the customer's (masked for roles that may not see it) or the group's name"),
    handover: member,
    takeover: member,
    status: z.enum(TRANSFER_STATES),
    errcode: int.nullable().describe("WeCom's errcode, when it refused"),
    reason: z.string().nullable(),
    requestedAt: dateTime.nullable(),
    expectedAt: dateTime.nullable().describe('when WeCom is expected to apply it'),
    doneAt: dateTime.nullable(),
    createdAt: dateTime,
  }),
);

/** POST /wecom/transfers and /wecom/transfers/groups: what this request started and what was already under way. */
export const TransferStarted = z.object({
  requestId: z.string(),
  started: int,
  alreadyInProgress: int.describe('customers or groups an earlier request is still transferring'),
  items: z.array(Transfer),
});

export const TransferList = z.object({ items: z.array(Transfer) });

export const MemberSummary = z.object({
  id: objectIdString,
  name: z.string(),
  wecomUserId: z.string().nullable(),
  active: z.boolean(),
  customers: int,
  groups: int,
  openTransfers: int,
});

export const Unassigned = z.object({
  items: z.array(
    z.object({
      handoverUserid: z.string(),
      customers: int,
      dimissionTime: dateTime.describe('when the member left the company'),
      staff: z.object({ id: objectIdString, name: z.string() }).nullable(),
    }),
  ),
});
