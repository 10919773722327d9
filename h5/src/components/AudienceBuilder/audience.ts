/**
 * The audience tree as the builder edits it, mirroring the server's audience language (segments
 * module). Conditions being filled in may be incomplete; `compile` drops those so the live count
 * always reflects what is finished.
 */
export const RFM_CLASSES = ['重要价值', '重要发展', '重要保持', '重要挽留', '一般价值', '一般发展', '一般保持', '一般挽留'] as const;
export const CHURN_STATES = ['ok', 'at_risk', 'lost'] as const;

export type Condition =
  | { type: 'tags'; match: 'any' | 'all' | 'none'; tagIds: string[] }
  | { type: 'rfm'; classes: string[] }
  | { type: 'orders'; metric: 'lastOrderDays' | 'orderCount' | 'totalPaid'; min?: number; max?: number }
  | { type: 'city'; in: string[] }
  | { type: 'gender'; in: string[] }
  | { type: 'churn'; in: string[] };
export type Group = { type: 'group'; op: 'and' | 'or'; not?: boolean; rules: Node[] };
export type Node = Group | Condition;
export const CONDITION_TYPES = ['tags', 'rfm', 'orders', 'city', 'gender', 'churn'] as const;

export function blank(type: (typeof CONDITION_TYPES)[number]): Condition {
  switch (type) {
    case 'tags':
      return { type, match: 'any', tagIds: [] };
    case 'rfm':
      return { type, classes: [] };
    case 'orders':
      return { type, metric: 'orderCount' };
    default:
      return { type, in: [] };
  }
}

function complete(c: Condition): boolean {
  switch (c.type) {
    case 'tags':
      return c.tagIds.length > 0;
    case 'rfm':
      return c.classes.length > 0;
    case 'orders':
      return Number.isInteger(c.min) || Number.isInteger(c.max);
    default:
      return c.in.length > 0;
  }
}

/** The finished part of the tree, or null when nothing is finished yet. */
export function compile(node: Node): Node | null {
  if (node.type !== 'group') {
    if (!complete(node)) return null;
    if (node.type === 'orders') {
      const out: Condition = { type: 'orders', metric: node.metric };
      if (Number.isInteger(node.min)) out.min = node.min;
      if (Number.isInteger(node.max)) out.max = node.max;
      return out;
    }
    return { ...node } as Condition;
  }
  const rules = node.rules.map(compile).filter((n): n is Node => n !== null);
  if (!rules.length) return null;
  return { type: 'group', op: node.op, ...(node.not ? { not: true } : {}), rules };
}
