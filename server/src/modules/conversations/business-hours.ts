/**
 * A tenant's business hours: weekly opening times in the tenant's time zone, holidays (closed) and
 * make-up working days (调休: open although a weekend). SLA clocks count only the time inside them,
 * so a chat handed over on Friday night with a 5-minute target is due 5 minutes after Monday opens.
 * Time-zone arithmetic is the platform's (Intl), through shared/zoned-time.ts.
 */
import { dayKey, isTimeZone, wallClock as wall, zonedInstant as zoned } from '../../shared/zoned-time.js';

export interface BusinessHours {
  timezone: string;
  /** ISO weekday (1 = Monday … 7 = Sunday) → opening and closing time ("HH:MM", close may be "24:00"); a day not listed is closed. */
  weekly: Array<{ day: number; open: string; close: string }>;
  /** Closed days, "YYYY-MM-DD" in the tenant's zone. */
  holidays: string[];
  /** Make-up working days ("YYYY-MM-DD"), open with the hours of the first weekday that has any. */
  workdays: string[];
}

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';
export { isTimeZone };

function hoursOn(h: BusinessHours, key: string, weekday: number) {
  if (h.holidays.includes(key)) return null;
  if (h.workdays.includes(key)) return [...h.weekly].sort((a, b) => a.day - b.day)[0] ?? null;
  return h.weekly.find((w) => w.day === weekday) ?? null;
}

/** Whether these hours ever open (no hours at all means always open). */
const hasHours = (h?: BusinessHours | null): h is BusinessHours => !!h && h.weekly.length > 0;

/**
 * The instant `ms` of business time after `from`: the clock runs only while open. With no hours set
 * (or none within two years) it is calendar time. `ms` = 0 gives the next opening (or `from` itself
 * when open).
 */
export function addBusinessTime(from: Date, ms: number, h?: BusinessHours | null): Date {
  const start = from.getTime();
  if (!hasHours(h)) return new Date(start + ms);
  const today = wall(start, h.timezone);
  let left = ms;
  for (let i = 0; i < 750; i++) {
    const day = new Date(Date.UTC(today.y, today.m - 1, today.d + i));
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    const span = hoursOn(h, dayKey(y, m, d), day.getUTCDay() || 7);
    if (!span) continue;
    const open = zoned(y, m, d, span.open, h.timezone);
    const close = zoned(y, m, d, span.close, h.timezone);
    const s = Math.max(start, open);
    if (s >= close) continue;
    if (left <= close - s) return new Date(s + left);
    left -= close - s;
  }
  return new Date(start + ms);
}

/** Whether the desk is open at `at`. */
export function isOpen(at: Date, h?: BusinessHours | null): boolean {
  return addBusinessTime(at, 0, h).getTime() === at.getTime();
}

/** "12月7日（周一）09:00" in the tenant's zone, for telling a customer when someone will answer. */
export function describeOpening(at: Date, h: BusinessHours): string {
  const w = wall(at.getTime(), h.timezone);
  const weekday = new Date(Date.UTC(w.y, w.m - 1, w.d)).getUTCDay();
  return `${w.m}月${w.d}日（周${'日一二三四五六'[weekday]}）${String(w.h).padStart(2, '0')}:${String(w.mi).padStart(2, '0')}`;
}
