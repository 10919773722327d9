import { z } from 'zod';
import { msg } from './validation-message.js';

/**
 * The last local day of a report's period (`?to=2026-03-31`), for a period that does not end today: a
 * date picker's range is `days` ending on `to`. A real calendar day; one after today means today.
 */
export const periodEnd = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, msg('PERIOD_TO_DATE'))
  .refine(isCalendarDay, { message: msg('PERIOD_TO_DATE') })
  .optional();

/** 2026-02-30 and 2026-13-01 are not days (the first rolls over to March, the second is no date at all). */
function isCalendarDay(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
