import type { RfmClass } from './audience.schema.js';

/**
 * RFM scoring, pure. Cut points are four ascending values splitting a tenant's buyers into five
 * groups (quintiles), or thresholds an admin configured. R is scored on days since the last order
 * (fewer is better), F on order count and M on total paid in fen (more is better).
 */
export interface RfmCuts {
  r: number[];
  f: number[];
  m: number[];
}

export interface RfmScore {
  r: number;
  f: number;
  m: number;
  class: RfmClass;
}

/** Four cut points at the 20/40/60/80th percentiles of the values. */
export function quintileCuts(values: number[]): number[] {
  if (!values.length) return [0, 0, 0, 0];
  const sorted = Float64Array.from(values).sort();
  return [0.2, 0.4, 0.6, 0.8].map((q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
}

/** 1..5: how many cut points the value passes (more is better). */
export function scoreHigher(value: number, cuts: number[]): number {
  return 1 + cuts.filter((c) => value > c).length;
}

/** 1..5 for recency: the fewer days, the higher. */
export function scoreRecency(days: number, cuts: number[]): number {
  return 5 - cuts.filter((c) => days > c).length;
}

const CLASSES: Record<string, RfmClass> = {
  HHH: '重要价值',
  HLH: '重要发展',
  LHH: '重要保持',
  LLH: '重要挽留',
  HHL: '一般价值',
  HLL: '一般发展',
  LHL: '一般保持',
  LLL: '一般挽留',
};

/** The eight classic classes: each axis is "high" at a score of 3 or more (above the middle group). */
export function rfmClass(r: number, f: number, m: number): RfmClass {
  const hl = (s: number) => (s >= 3 ? 'H' : 'L');
  return CLASSES[hl(r) + hl(f) + hl(m)];
}

export function scoreCustomer(input: { recencyDays: number; orderCount: number; totalPaid: number }, cuts: RfmCuts): RfmScore {
  const r = scoreRecency(input.recencyDays, cuts.r);
  const f = scoreHigher(input.orderCount, cuts.f);
  const m = scoreHigher(input.totalPaid, cuts.m);
  return { r, f, m, class: rfmClass(r, f, m) };
}

/** The median of the gaps between consecutive orders, in days; undefined with fewer than two orders. */
export function medianGapDays(orderTimes: Date[]): number | undefined {
  if (orderTimes.length < 2) return undefined;
  const t = orderTimes.map((d) => d.getTime()).sort((a, b) => a - b);
  const gaps = t
    .slice(1)
    .map((v, i) => (v - t[i]) / 86_400_000)
    .sort((a, b) => a - b);
  const mid = Math.floor(gaps.length / 2);
  return gaps.length % 2 ? gaps[mid] : (gaps[mid - 1] + gaps[mid]) / 2;
}

export interface ChurnOptions {
  multiplier: number;
  minDays: number;
  defaultGapDays: number;
  /** Past lostMultiplier × their cadence (and at least minDays after the warning) a customer is lost. */
  lostMultiplier: number;
}

/**
 * A customer's churn window: "at risk" from their own cadence (multiplier × median gap) after the
 * last order, never sooner than `minDays`; "lost" from lostMultiplier × the gap, never sooner than
 * `minDays` after the warning, so there is always time to act. A one-order customer has no cadence
 * of their own and uses the tenant's default gap (`cadenceKnown` false says so).
 */
export function churnDueAt(lastOrderAt: Date, orderTimes: Date[], o: ChurnOptions): { dueAt: Date; lostAt: Date; gapDays: number; cadenceKnown: boolean } {
  const own = medianGapDays(orderTimes);
  const gap = own ?? o.defaultGapDays;
  const days = Math.max(o.multiplier * gap, o.minDays);
  const lostDays = Math.max(o.lostMultiplier * gap, days + o.minDays);
  return {
    dueAt: new Date(lastOrderAt.getTime() + days * 86_400_000),
    lostAt: new Date(lastOrderAt.getTime() + lostDays * 86_400_000),
    gapDays: Math.round(gap * 10) / 10,
    cadenceKnown: own !== undefined,
  };
}
