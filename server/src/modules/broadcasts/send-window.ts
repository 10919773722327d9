/**
 * Send windows ("09:00–21:00 Asia/Shanghai"): whether a moment falls inside, and when the next
 * window opens. Local time comes from Intl, so any IANA zone works; the wait is computed from the
 * offset at `now`, exact for zones without daylight saving (China) and within an hour elsewhere.
 */
import { wallClock, zonedDay } from '../../shared/zoned-time.js';

export interface SendWindow {
  start: string;
  end: string;
  timezone: string;
}

const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

export function localMinutes(now: Date, timezone: string): number {
  const w = wallClock(now, timezone);
  return w.h * 60 + w.mi;
}

export function inWindow(now: Date, w: SendWindow): boolean {
  const local = localMinutes(now, w.timezone);
  const s = minutes(w.start);
  const e = minutes(w.end);
  return s <= e ? local >= s && local < e : local >= s || local < e;
}

/** The next moment the window opens (now, if it is open). */
export function nextWindowStart(now: Date, w: SendWindow): Date {
  if (inWindow(now, w)) return now;
  const local = localMinutes(now, w.timezone);
  const wait = (minutes(w.start) - local + 1440) % 1440;
  const at = new Date(now.getTime() + wait * 60_000);
  at.setUTCSeconds(0, 0);
  return at;
}

/** The customer's local day and month, for frequency-cap periods. */
export function localPeriods(now: Date, timezone: string): { day: string; month: string } {
  const day = zonedDay(now, timezone);
  return { day, month: day.slice(0, 7) };
}
