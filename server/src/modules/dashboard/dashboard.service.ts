import type { Deps } from '../../shared/deps.js';
import type { EventService } from '../events/event.service.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { BroadcastFunnel } from '../broadcasts/broadcast-funnel.js';
import { localPeriods } from '../broadcasts/send-window.js';
import { wallClock } from '../../shared/zoned-time.js';

const DAY_MS = 86_400_000;
/** A buyer with no order for this long counts as lost even without a churn warning. */
export const DORMANT_DAYS = 180;
/** A profile this young with at most one order is new. */
export const NEW_DAYS = 30;
/** The funnel reads at most this many campaigns (newest first), so one call stays cheap. */
const MAX_CAMPAIGNS = 100;

export const STAGES = ['new', 'active', 'at_risk', 'lost', 'prospect'] as const;
export type Stage = (typeof STAGES)[number];

export interface Overview {
  days: number;
  timezone: string;
  /** Left out (with rfmGrid) when asked for the period's figures only. */
  lifecycle?: Record<Stage, number>;
  contacts: { day: string; added: number; lost: number }[];
  funnel: { campaigns: number; recipients: number; sent: number; delivered: number; converted: number };
  /** Orders paid and refunds made in the period, each once however often the shop sent it; fen. */
  revenue: { orders: number; paid: number; refunds: number; refunded: number };
  /** Scored customers and what they paid (fen) per R×F score pair, 1..5 each; empty cells are left out. */
  rfmGrid?: { r: number; f: number; customers: number; paid: number }[];
}

/**
 * Read-only figures for the console dashboard, computed on request with aggregation pipelines (no
 * stored report; every query filters on the tenant).
 */
export class DashboardService {
  constructor(
    private readonly deps: Deps,
    private readonly events: EventService,
    private readonly customers: CustomerService,
    private readonly broadcasts: { funnel: BroadcastFunnel },
  ) {}

  /**
   * The figures of the `days` local days ending today, or ending on local day `to` (a past period, for a
   * date range or the comparison with the previous one). Lifecycle stages and the R×F grid describe
   * the customers as they are now, whatever the period; `withNow` false leaves them out.
   */
  async overview(tenantId: string, days: number, to?: string, withNow = true): Promise<Overview> {
    const now = this.deps.now();
    const timezone = this.deps.config.BROADCAST_TIMEZONE;
    const until = to ? new Date(Math.min(now.getTime(), endOfLocalDay(to, timezone).getTime())) : now;
    const [lifecycle, contacts, funnel, revenue, rfmGrid] = await Promise.all([
      withNow ? this.lifecycle(tenantId, now) : undefined,
      this.contacts(tenantId, until, days, timezone),
      this.funnel(tenantId, until, days),
      this.events.revenue(tenantId, new Date(until.getTime() - days * DAY_MS), until),
      withNow ? this.customers.rfmGrid(tenantId) : undefined,
    ]);
    return withNow ? { days, timezone, lifecycle, contacts, funnel, revenue, rfmGrid } : { days, timezone, contacts, funnel, revenue };
  }

  /** Every active profile in exactly one stage (the customers module's lifecycleStageCounts says which). */
  private async lifecycle(tenantId: string, now: Date): Promise<Record<Stage, number>> {
    const dormantSince = new Date(now.getTime() - DORMANT_DAYS * DAY_MS);
    const newSince = new Date(now.getTime() - NEW_DAYS * DAY_MS);
    const rows = await this.customers.lifecycleStageCounts(tenantId, { dormantSince, newSince });
    const out = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
    for (const r of rows) out[r._id] = r.n;
    return out;
  }

  /** WeCom contacts added and lost per local day, oldest first, one entry for each of the `days` days up to `now`. */
  private async contacts(tenantId: string, now: Date, days: number, timezone: string) {
    const keys: string[] = [];
    // `now` is the period's exclusive end (the next local midnight for a past period): its last day is just before it.
    for (let i = days - 1; i >= 0; i--) keys.push(localPeriods(new Date(now.getTime() - 1 - i * DAY_MS), timezone).day);
    // A day before the first key at most, then trimmed to the keys: no local-midnight arithmetic needed.
    const since = new Date(now.getTime() - days * DAY_MS);
    const [added, lost] = await Promise.all([
      this.customers.wecomContactsPerDay(tenantId, 'added', since, now, timezone),
      this.customers.wecomContactsPerDay(tenantId, 'lost', since, now, timezone),
    ]);
    return keys.map((day) => ({ day, added: added.get(day) ?? 0, lost: lost.get(day) ?? 0 }));
  }

  /**
   * Customer-message campaigns started (or created, if not started yet) in the last `days` days, all
   * runs: recipients = delivery rows outside the holdout; sent = accepted by the channel; delivered =
   * confirmed by the channel's results; converted = sent recipients who paid an order within the
   * campaign's attribution window (the rule of the campaign results page). Group and room campaigns
   * have no per-customer rows and are not counted.
   */
  private async funnel(tenantId: string, now: Date, days: number) {
    const since = new Date(now.getTime() - days * DAY_MS);
    const { counts, campaigns } = await this.broadcasts.funnel.recent(tenantId, since, MAX_CAMPAIGNS, now);
    let converted = 0;
    for (const c of campaigns) {
      if (!c.sentTo.length) continue;
      const until = new Date(c.start.getTime() + c.attributionDays * DAY_MS);
      const buyers = new Set((await this.events.customersWithEvent(tenantId, 'order.paid', { since: c.start, until })).map(String));
      converted += c.sentTo.filter((id) => buyers.has(id)).length;
    }
    return { ...counts, converted };
  }
}

/**
 * The first instant after local day `day` (YYYY-MM-DD) in `timezone`: that day's midnight UTC moved by
 * the zone's offset there, read from how Intl writes that instant in the zone.
 */
export function endOfLocalDay(day: string, timezone: string): Date {
  const midnightUtc = Date.parse(`${day}T00:00:00Z`);
  const w = wallClock(midnightUtc, timezone);
  const wall = Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi, w.s);
  return new Date(midnightUtc - (wall - midnightUtc) + DAY_MS);
}
