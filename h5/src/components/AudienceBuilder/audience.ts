/**
 * The audience tree as the builder edits it, mirroring the server's audience language (segments
 * module: server/src/modules/segments/audience.schema.ts). Conditions being filled in may be
 * incomplete: the live count uses `compile`, which drops those so it always reflects what is
 * finished; saving sends `compileAll`, the whole tree as shown, so the server names every row that
 * is not right yet. Amounts (total paid) are kept in fen; the editor shows them in 元.
 */
export const RFM_CLASSES = ['重要价值', '重要发展', '重要保持', '重要挽留', '一般价值', '一般发展', '一般保持', '一般挽留'] as const;
export const CHURN_STATES = ['ok', 'at_risk', 'lost'] as const;
export const WECOM_RELATIONS = ['active', 'lost', 'none'] as const;
export const GENDERS = ['female', 'male', 'unknown'] as const;

export type Range = { min?: number; max?: number };
export type Condition =
  | { type: 'tags'; match: 'any' | 'all' | 'none'; tagIds: string[] }
  | { type: 'rfm'; classes?: string[]; r?: Range; f?: Range; m?: Range }
  | { type: 'orders'; metric: 'lastOrderDays' | 'orderCount' | 'totalPaid'; min?: number; max?: number }
  | { type: 'behaviour'; action: 'viewed' | 'added' | 'bought'; withinDays?: number; productId?: string; category?: string }
  | { type: 'loyalty'; member?: boolean; tiers?: string[]; points?: Range; coupon?: 'available' | 'none' }
  | { type: 'city'; in: string[] }
  | { type: 'gender'; in: string[] }
  | { type: 'churn'; in: string[] }
  | { type: 'birthdayMonth'; in: number[] }
  | { type: 'sourceChannel'; in: string[] }
  | { type: 'wecomRelation'; in: string[] }
  | { type: 'owner'; staffIds: string[] }
  | { type: 'consent'; purpose: 'marketing' | 'profiling'; granted: boolean };
export type Group = { type: 'group'; op: 'and' | 'or'; not?: boolean; rules: Node[] };
export type Node = Group | Condition;

/**
 * What the builder offers, in the order its menu lists them. Points, tier, coupon and membership are
 * one `loyalty` condition in the language; the builder adds each as its own row.
 */
export const CONDITION_TYPES = [
  'tags',
  'rfm',
  'orders',
  'behaviour',
  'points',
  'tier',
  'coupon',
  'member',
  'birthdayMonth',
  'sourceChannel',
  'owner',
  'wecomRelation',
  'consent',
  'city',
  'gender',
  'churn',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export function blank(type: ConditionType): Condition {
  switch (type) {
    case 'tags':
      return { type, match: 'any', tagIds: [] };
    case 'rfm':
      return { type, classes: [] };
    case 'orders':
      return { type, metric: 'orderCount' };
    case 'behaviour':
      return { type, action: 'bought', withinDays: 30 };
    case 'points':
      return { type: 'loyalty', points: {} };
    case 'tier':
      return { type: 'loyalty', tiers: [] };
    case 'coupon':
      return { type: 'loyalty', coupon: 'available' };
    case 'member':
      return { type: 'loyalty', member: true };
    case 'owner':
      return { type, staffIds: [] };
    case 'consent':
      return { type, purpose: 'marketing', granted: true };
    default:
      return { type, in: [] };
  }
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
/** A range with only the bounds given (undefined when neither is). */
function bounds(r: Range | undefined): Range | undefined {
  if (!r) return undefined;
  const out: Range = {};
  if (isCount(r.min)) out.min = r.min;
  if (isCount(r.max)) out.max = r.max;
  return out.min === undefined && out.max === undefined ? undefined : out;
}
const text = (s: string | undefined) => (s && s.trim() ? s.trim() : undefined);

/** A condition as the server reads it, empty optional parts left out; null when nothing is filled in yet. */
function finished(c: Condition): Condition | null {
  switch (c.type) {
    case 'tags':
      return c.tagIds.length ? { type: 'tags', match: c.match, tagIds: [...c.tagIds] } : null;
    case 'rfm': {
      const out: Condition = { type: 'rfm' };
      if (c.classes?.length) out.classes = [...c.classes];
      for (const axis of ['r', 'f', 'm'] as const) {
        const r = bounds(c[axis]);
        if (r) out[axis] = r;
      }
      return Object.keys(out).length > 1 ? out : null;
    }
    case 'orders': {
      const r = bounds(c);
      return r ? { type: 'orders', metric: c.metric, ...r } : null;
    }
    case 'behaviour': {
      if (!isCount(c.withinDays)) return null;
      const out: Condition = { type: 'behaviour', action: c.action, withinDays: c.withinDays };
      if (text(c.productId)) out.productId = text(c.productId);
      if (text(c.category)) out.category = text(c.category);
      return out;
    }
    case 'loyalty': {
      const out: Condition = { type: 'loyalty' };
      if (c.member !== undefined) out.member = c.member;
      if (c.tiers?.length) out.tiers = [...c.tiers];
      const points = bounds(c.points);
      if (points) out.points = points;
      if (c.coupon) out.coupon = c.coupon;
      return Object.keys(out).length > 1 ? out : null;
    }
    case 'owner':
      return c.staffIds.length ? { type: 'owner', staffIds: [...c.staffIds] } : null;
    case 'consent':
      return { ...c };
    default:
      return c.in.length ? ({ type: c.type, in: [...c.in] } as Condition) : null;
  }
}

/** A condition as shown, for saving: unfinished parts are sent as they are, so the server names them. */
function asShown(c: Condition): Condition {
  const done = finished(c);
  if (done) return done;
  switch (c.type) {
    case 'rfm':
      return { type: 'rfm', ...(c.classes ? { classes: [...c.classes] } : {}) };
    case 'orders':
      return { type: 'orders', metric: c.metric };
    case 'behaviour':
      return { type: 'behaviour', action: c.action, withinDays: c.withinDays as number };
    case 'loyalty':
      return { type: 'loyalty', ...(c.tiers ? { tiers: [...c.tiers] } : {}), ...(c.points ? { points: {} } : {}) };
    default:
      return JSON.parse(JSON.stringify(c)) as Condition;
  }
}

/**
 * The tree compiled for the server with a way back: `origin([1, 0])` is the builder node the server
 * means by `rules.1.rules.0` (the positions shift when unfinished rows are left out).
 */
export interface Traced {
  audience: Group | null;
  origin(indices: number[]): Node | undefined;
}
type Trace = { node: Node; children: Trace[] };

function trace(node: Node, all: boolean): { out: Node; trace: Trace } | null {
  if (node.type !== 'group') {
    const out = all ? asShown(node) : finished(node);
    return out ? { out, trace: { node, children: [] } } : null;
  }
  const kept = node.rules.map((r) => trace(r, all)).filter((x): x is { out: Node; trace: Trace } => x !== null);
  if (!kept.length && !all) return null;
  const out: Group = { type: 'group', op: node.op, ...(node.not ? { not: true } : {}), rules: kept.map((k) => k.out) };
  return { out, trace: { node, children: kept.map((k) => k.trace) } };
}

function traced(root: Group, all: boolean): Traced {
  const done = trace(root, all);
  return {
    audience: (done?.out as Group | undefined) ?? null,
    origin(indices) {
      let at: Trace | undefined = done?.trace;
      for (const i of indices) at = at?.children[i];
      return at?.node;
    },
  };
}

/** The finished part of the tree, or null when nothing is finished yet (the live count). */
export function compile(node: Node): Node | null {
  if (node.type !== 'group') return finished(node);
  return traced(node, false).audience;
}
export const compileTraced = (root: Group): Traced => traced(root, false);
/** The whole tree as shown, for saving. */
export const compileAll = (root: Group): Traced => traced(root, true);

/** The tree positions a server path names: `body.audience.rules.1.rules.0.tagIds` → [1, 0]. */
export function indicesOf(path: string): number[] | null {
  const parts = path.split('.');
  const at = parts.indexOf('audience');
  if (at < 0) return null;
  const out: number[] = [];
  for (let i = at + 1; parts[i] === 'rules' && /^\d+$/.test(parts[i + 1] ?? ''); i += 2) out.push(Number(parts[i + 1]));
  return out;
}

/** A node's place as the builder numbers it (and the server says it): 第 2 组第 1 条. */
export function placeOf(root: Group, target: Node, lang: 'zh' | 'en' = 'zh'): string | null {
  const walk = (group: Group, steps: Array<{ group: boolean; n: number }>): Array<{ group: boolean; n: number }> | null => {
    for (const [i, rule] of group.rules.entries()) {
      const here = [...steps, { group: rule.type === 'group', n: i + 1 }];
      if (rule === target) return here;
      if (rule.type === 'group') {
        const found = walk(rule, here);
        if (found) return found;
      }
    }
    return null;
  };
  if (target === root) return lang === 'zh' ? '人群条件' : 'audience';
  const steps = walk(root, []);
  if (!steps) return null;
  return lang === 'zh' ? steps.map((s) => `第 ${s.n} ${s.group ? '组' : '条'}`).join('') : steps.map((s) => `${s.group ? 'group' : 'rule'} ${s.n}`).join(', ');
}

/** A saved audience, ready to edit (a deep copy: editing it changes nothing until saved). */
export function editable(audience: unknown): Group {
  const copy = JSON.parse(JSON.stringify(audience ?? null)) as Group | null;
  return copy && copy.type === 'group' && Array.isArray(copy.rules) ? copy : { type: 'group', op: 'and', rules: [] };
}

/** The builder's menu entry a condition row belongs to (a loyalty row by its first part). */
export function kindOf(c: Condition): ConditionType {
  if (c.type !== 'loyalty') return c.type;
  if (c.points) return 'points';
  if (c.tiers) return 'tier';
  if (c.coupon) return 'coupon';
  return 'member';
}
