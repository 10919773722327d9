import { formatYuan } from '../../shared/money.js';

const DAY_MS = 86_400_000;

/** One customer in the churn window, as the sweep read them. */
export interface ChurnCandidate {
  customerId: string;
  name?: string;
  ownerStaffId?: string;
  orderCount: number;
  /** Fen. */
  totalPaid: number;
  lastOrderAt: Date;
  dueAt: Date;
  lostAt: Date;
  gapDays: number;
  /** False when the customer has one order (or no measurable gap): the cadence is the tenant's default. */
  cadenceKnown: boolean;
}

/** Why the task exists, stored with it (structured, so pages can word it their own way). */
export interface ChurnWhy {
  kind: 'churn';
  daysSinceOrder: number;
  orderCount: number;
  totalPaid: number;
  gapDays?: number;
  daysLeft: number;
  windowEndsAt: Date;
  score: number;
}

/**
 * How well a call now can pay off: what the customer has spent (fen) × how much of their window is
 * left (1 on the day they became due, falling to 0.05 as it closes). Value alone would give every rep
 * the same old big spenders until they are lost; recoverability alone, the smallest buyers.
 */
export function churnScore(c: ChurnCandidate, now: Date): number {
  const window = Math.max(1, c.lostAt.getTime() - c.dueAt.getTime());
  const left = Math.min(1, Math.max(0.05, (c.lostAt.getTime() - now.getTime()) / window));
  return Math.max(1, c.totalPaid) * left;
}

export function churnWhy(c: ChurnCandidate, now: Date): ChurnWhy {
  return {
    kind: 'churn',
    daysSinceOrder: Math.floor((now.getTime() - c.lastOrderAt.getTime()) / DAY_MS),
    orderCount: c.orderCount,
    totalPaid: c.totalPaid,
    ...(c.cadenceKnown ? { gapDays: c.gapDays } : {}),
    daysLeft: Math.max(0, Math.ceil((c.lostAt.getTime() - now.getTime()) / DAY_MS)),
    windowEndsAt: c.lostAt,
    score: Math.round(churnScore(c, now)),
  };
}

/**
 * The task title says only what is known: a repeat buyer's own cadence, or for a one-order customer
 * just that one order and how long ago (no invented "usual" gap), plus what they spent and how long
 * the rep has before the customer counts as lost.
 */
export function churnTitle(name: string | undefined, why: ChurnWhy): string {
  const who = name || '客户';
  const history =
    why.gapDays !== undefined && why.gapDays >= 1
      ? `平时约 ${why.gapDays} 天一单，已 ${why.daysSinceOrder} 天未下单（共 ${why.orderCount} 单，累计 ${formatYuan(why.totalPaid)}）`
      : why.orderCount <= 1
        ? `只下过 1 单，距今 ${why.daysSinceOrder} 天（${formatYuan(why.totalPaid)}）`
        : `共 ${why.orderCount} 单，已 ${why.daysSinceOrder} 天未下单（累计 ${formatYuan(why.totalPaid)}）`;
  return `流失预警：${who} ${history}，${why.daysLeft} 天内联系挽回机会最大，请跟进`;
}

/**
 * The day's tasks: candidates ranked by score within each assignee (null = nobody owns them), and
 * at most `room(assignee)` of each taken. The rest wait for a later day while their window lasts.
 */
export function pickChurnTasks(candidates: ChurnCandidate[], now: Date, room: (assignee: string | null) => number): ChurnCandidate[] {
  const byAssignee = new Map<string | null, ChurnCandidate[]>();
  for (const c of candidates) {
    const key = c.ownerStaffId || null;
    byAssignee.set(key, [...(byAssignee.get(key) ?? []), c]);
  }
  const picked: ChurnCandidate[] = [];
  for (const [assignee, list] of byAssignee) {
    const ranked = list
      .map((c) => ({ c, score: churnScore(c, now) }))
      .sort((a, b) => b.score - a.score || a.c.customerId.localeCompare(b.c.customerId))
      .map((x) => x.c);
    picked.push(...ranked.slice(0, Math.max(0, room(assignee))));
  }
  return picked;
}
