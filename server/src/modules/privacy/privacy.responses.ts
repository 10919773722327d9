import { z } from 'zod';
import { component, dateTime, int, objectIdString } from '../../shared/http/api-schemas.js';
import { CONSENT_CHANNELS } from './privacy.model.js';
import { Note } from '../customers/customer.responses.js';
import { Coupon, PointsEntry } from '../loyalty/loyalty.responses.js';

/** The privacy module's answers as the OpenAPI document publishes them (consent.service.ts, erasure.service.ts). */

const channel = z.enum(CONSENT_CHANNELS);

export const ConsentState = component(
  'ConsentState',
  z.object({
    granted: z.boolean(),
    source: z.enum(['recorded', 'default']).describe('default: never asked, so not given (opt-in)'),
    at: dateTime.nullable(),
    channel: channel.nullable(),
    version: z.string().nullable().describe('the consent text version shown when it was given'),
  }),
);

export const Consents = z.object({ marketing: ConsentState, profiling: ConsentState });

export const ConsentHistory = z.array(
  z.object({ purpose: z.enum(['marketing', 'profiling']), granted: z.boolean(), at: dateTime, channel, version: z.string().nullable() }),
);

const purposeText = z.object({ title: z.string(), purpose: z.string(), withdraw: z.string() });
export const ConsentTexts = z.object({ version: z.string(), purposes: z.object({ marketing: purposeText, profiling: purposeText }) });

export const Erasure = component(
  'Erasure',
  z.object({
    customerId: objectIdString,
    status: z.string(),
    requestedAt: dateTime,
    erasedAt: dateTime.nullable(),
    profiles: int.describe('profiles erased (the person’s merged ones included)'),
    counts: z.record(z.string(), int).describe('what was erased or anonymised, by kind'),
    wecom: z.unknown().describe('what WeCom still has to forget (contacts’ remarks and tags), if anything'),
    already: z.boolean().describe('true when this person was erased before: the answer is the first one'),
  }),
);

/**
 * "Export my data" (data-export.service.ts): everything held about one person. The staff copy (GET
 * /privacy/customers/{id}/export) adds the profile's remark and agents' notes and keeps internal notes in
 * the conversations; the shopper's copy leaves them out.
 */
export const PersonalDataExport = component(
  'PersonalDataExport',
  z.object({
    exportedAt: dateTime,
    format: z.literal('scrm-personal-data/v1'),
    profile: z.object({
      id: objectIdString,
      name: z.string().nullable(),
      phone: z.string().nullable(),
      gender: z.enum(['male', 'female', 'unknown']).nullable(),
      birthday: z.object({ month: int, day: int, year: int }).partial().nullable().describe('as the shopper gave it; null when never given'),
      city: z.string().nullable(),
      sourceChannel: z.string().nullable(),
      createdAt: dateTime.nullable(),
      tags: z.array(objectIdString),
      aggregates: z.record(z.string(), z.unknown()).nullable().describe('order figures as kept on the profile'),
      remark: z.string().nullable().optional().describe('staff copy only'),
      notes: z.array(Note).optional().describe('staff copy only'),
    }),
    identities: z.array(z.object({ type: z.string(), value: z.string(), appId: z.string().optional() })),
    consents: z.object({ current: Consents, history: ConsentHistory }),
    membership: z.object({ memberNo: z.string(), tier: z.string().describe('tier code'), balance: int, joinedAt: dateTime }).nullable(),
    ledger: z.array(PointsEntry),
    coupons: z.array(Coupon),
    orders: z
      .array(z.object({ type: z.string(), occurredAt: dateTime, data: z.record(z.string(), z.unknown()).optional() }))
      .describe('the shop events about them'),
    conversations: z.array(
      z.object({
        id: objectIdString,
        kind: z.enum(['private', 'room']),
        startedAt: dateTime.nullable(),
        messages: z.array(
          z.object({
            at: dateTime,
            direction: z.enum(['in', 'out', 'internal']),
            author: z.string(),
            type: z.string(),
            text: z.string(),
            attachment: z.object({ name: z.string().nullable(), type: z.string().nullable(), size: int.nullable(), at: dateTime }).optional(),
          }),
        ),
      }),
    ),
  }),
);
