/**
 * Wall-clock arithmetic in IANA time zones (brands, business hours, send windows, report days). The
 * platform's Intl knows every zone's offsets and DST; building a formatter costs far more than using
 * one, so there is one per zone for the life of the process.
 */
const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, f);
  }
  return f;
}

/** Whether the platform knows this IANA time zone. */
export function isTimeZone(tz: string): boolean {
  try {
    format(tz);
    return true;
  } catch {
    return false;
  }
}

export interface WallClock {
  y: number;
  m: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

/** What the wall clock in `tz` shows at instant `at`. */
export function wallClock(at: number | Date, tz: string): WallClock {
  const p: Record<string, string> = {};
  for (const x of format(tz).formatToParts(at)) p[x.type] = x.value;
  return { y: +p.year, m: +p.month, d: +p.day, h: +p.hour, mi: +p.minute, s: +p.second };
}

/** `YYYY-MM-DD` for a wall-clock date. */
export const dayKey = (y: number, m: number, d: number): string => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** The calendar day (`YYYY-MM-DD`) in `tz` at instant `at`. */
export function zonedDay(at: number | Date, tz: string): string {
  const w = wallClock(at, tz);
  return dayKey(w.y, w.m, w.d);
}

/** The instant (ms) at which the wall clock in `tz` shows this date and `hhmm`. */
export function zonedInstant(y: number, m: number, d: number, hhmm: string, tz: string): number {
  const [h, mi] = hhmm.split(':').map(Number);
  const asUtc = Date.UTC(y, m - 1, d, h, mi);
  const offsetAt = (t: number) => {
    const w = wallClock(t, tz);
    return Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi, w.s) - Math.floor(t / 1000) * 1000;
  };
  let t = asUtc - offsetAt(asUtc);
  const again = asUtc - offsetAt(t);
  if (again !== t) t = again;
  return t;
}
