import { z } from 'zod';

/**
 * The last local day of a report's period (`?to=2026-03-31`), for a period that does not end today: a
 * date picker's range is `days` ending on `to`. A real calendar day; one after today means today.
 */
export const periodEnd = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'to must be a date like 2026-03-31')
  .refine((s) => new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s, { message: 'to must be a date like 2026-03-31' })
  .optional();
