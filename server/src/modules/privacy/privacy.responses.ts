import { z } from 'zod';
import { component, dateTime, int, objectIdString } from '../../shared/http/api-schemas.js';
import { CONSENT_CHANNELS } from './privacy.model.js';

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
