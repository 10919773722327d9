import { z } from 'zod';
import { component, dateTime, int, objectIdString } from '../../shared/http/api-schemas.js';
import { STAFF_ROLES } from '../../shared/http/principal.js';

/** The staff module's answers as the OpenAPI document publishes them (staff.service.ts StaffView). */

export const Staff = component(
  'Staff',
  z.object({
    id: objectIdString,
    tenantId: z.string().describe('the brand the account belongs to'),
    username: z.string(),
    name: z.string(),
    role: z.enum(STAFF_ROLES),
    wecomUserId: z.string().optional(),
    active: z.boolean(),
    online: z.boolean(),
    capacity: int.describe('how many conversations the desk may assign at once'),
  }),
);

export const StaffSession = component(
  'StaffSession',
  z.object({ token: z.string().describe('send as Authorization: Bearer'), expiresAt: dateTime, staff: Staff }),
);

export const ApiKey = component(
  'ApiKey',
  z.object({
    id: objectIdString,
    name: z.string(),
    prefix: z.string().describe('the first characters of the key, to tell keys apart'),
    createdAt: dateTime,
    createdBy: z.string().nullable(),
    lastUsedAt: dateTime.nullable().describe('to the minute'),
    revokedAt: dateTime.nullable().describe('when it stopped (or, after a rotation with grace, stops) working'),
    active: z.boolean(),
    replaces: objectIdString.nullable().describe('the key this one replaced by rotation'),
  }),
);

/** A key as made: the only answer that carries the key itself. */
export const NewApiKey = ApiKey.extend({ key: z.string().describe('send as X-Api-Key; shown only in this answer') });

/** An audit log entry as stored (the log is append-only). */
export const AuditEntry = component(
  'AuditEntry',
  z.object({
    _id: objectIdString,
    tenantId: z.string(),
    at: dateTime,
    actorId: z.string(),
    actorRole: z.string(),
    action: z.string().describe('e.g. customers.merge, api_key.create, or METHOD /path for a staff write'),
    targetType: z.string().optional(),
    targetId: z.string().optional(),
    details: z.unknown().optional(),
    __v: int.optional(),
  }),
);
