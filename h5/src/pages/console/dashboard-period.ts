import { ref } from 'vue';
import { t } from '../../composables/use-i18n';

/**
 * The 数据 page's period: local calendar days `from`..`to` (YYYY-MM-DD, at most 90 days), read from and
 * kept in the address (?from=&to=) so a view can be reloaded or shared; by default the last 14 days.
 * The endpoints take `days` ending on `to`; the previous period, to compare with, is the same number of
 * days ending the day before `from`.
 */
export interface Period {
  from: string;
  to: string;
  days: number;
}

const DAY = 86_400_000;
export const MAX_DAYS = 90;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The brand's time zone: the server counts days in it (GET /dashboard/overview reports which), so the
 * page does too; a viewer whose own clock is in another zone (or just past midnight in Beijing while
 * their browser says otherwise) sees the same days the figures are counted in.
 */
export const brandZone = ref('Asia/Shanghai');

/** One day formatter per zone (a formatter costs far more to build than to use). */
const dayFormats = new Map<string, Intl.DateTimeFormat>();
function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let f = dayFormats.get(timeZone);
  if (!f) dayFormats.set(timeZone, (f = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return f;
}

/** The brand's calendar day today, `offset` days on. */
export function localDay(offset = 0, now = new Date()): string {
  const today = dayFormat(brandZone.value).format(now);
  return offset ? shift(today, offset) : today;
}

/** The calendar day a date picker means by `d` (its midnight in the viewer's own zone). */
export function pickerDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const shift = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
const span = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY) + 1;

/** The last `days` days, today included. */
export function lastDays(days: number): Period {
  const to = localDay();
  return { from: shift(to, -(days - 1)), to, days };
}

/** The period in the address, or the last 14 days when it is missing or not a valid range. */
export function periodFromQuery(query: Record<string, unknown>): Period {
  const { from, to } = query;
  if (typeof from === 'string' && typeof to === 'string' && DATE.test(from) && DATE.test(to)) {
    const days = span(from, to);
    if (days >= 1 && days <= MAX_DAYS) return { from, to, days };
  }
  return lastDays(14);
}

/** What the endpoints are asked: `days` ending on `to`, both brand days (the server caps today at now). */
export function periodQuery(p: Period): { days: number; to: string } {
  return { days: p.days, to: p.to };
}

/** The same number of days just before. */
export function previousPeriod(p: Period): Period {
  const to = shift(p.from, -1);
  return { from: shift(to, -(p.days - 1)), to, days: p.days };
}

/** A figure against the previous period, as its tile says it: 上期 120（+15.0%）, or 上期 0 when there is nothing to divide by. */
export function versus(current: number, previous: number | undefined, format: (n: number) => string): string | undefined {
  if (previous === undefined) return undefined;
  if (!previous) return t('dashboard.vsPreviousFlat', { n: format(previous) });
  const pct = ((current - previous) / previous) * 100;
  return t('dashboard.vsPrevious', { n: format(previous), change: `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%` });
}

export { span as periodDays };
