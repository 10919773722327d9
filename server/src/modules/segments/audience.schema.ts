import { z } from 'zod';
import { msg } from '../../shared/http/validation-message.js';

/**
 * The audience language: a tree of groups (AND / OR, optionally negated) whose leaves are conditions
 * on the customer profile. Stored as JSON on a segment and compiled to one MongoDB filter
 * (audience.compiler.ts). `type` discriminates every node so a mistake names the node it is in.
 */
export const RFM_CLASSES = ['重要价值', '重要发展', '重要保持', '重要挽留', '一般价值', '一般发展', '一般保持', '一般挽留'] as const;
export type RfmClass = (typeof RFM_CLASSES)[number];
export const CHURN_STATES = ['ok', 'at_risk', 'lost'] as const;

const objectId = z.string().regex(/^[0-9a-f]{24}$/, msg('OBJECT_ID'));
const score = z.number().int().min(1, msg('SCORE_1_TO_5')).max(5, msg('SCORE_1_TO_5'));
const range = <T extends z.ZodNumber>(n: T) =>
  z
    .object({ min: n.optional(), max: n.optional() })
    .strict()
    .refine((r) => r.min !== undefined || r.max !== undefined, { message: msg('RANGE_BOUND_REQUIRED') })
    .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { message: msg('RANGE_MIN_OVER_MAX') });
const list = <T extends z.ZodType>(item: T) => z.array(item).min(1, msg('VALUES_REQUIRED')).max(200, msg('VALUES_AT_MOST_200'));

export const tagsCondition = z
  .object({ type: z.literal('tags'), match: z.enum(['any', 'all', 'none']), tagIds: z.array(objectId).min(1, msg('TAGS_REQUIRED')).max(50) })
  .strict();

export const rfmCondition = z
  .object({
    type: z.literal('rfm'),
    classes: list(z.enum(RFM_CLASSES)).optional(),
    r: range(score).optional(),
    f: range(score).optional(),
    m: range(score).optional(),
  })
  .strict()
  .refine((c) => c.classes || c.r || c.f || c.m, { message: msg('RFM_CONDITION_REQUIRED') });

/** Raw purchase figures: days since the last order, order count, total paid in fen. */
export const ordersCondition = z
  .object({
    type: z.literal('orders'),
    metric: z.enum(['lastOrderDays', 'orderCount', 'totalPaid']),
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(0).optional(),
  })
  .strict()
  .refine((c) => c.min !== undefined || c.max !== undefined, { message: msg('RANGE_BOUND_REQUIRED') })
  .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, { message: msg('RANGE_MIN_OVER_MAX') });

/** Behaviour from the events collection, resolved to a set of customer ids before compiling. */
export const behaviourCondition = z
  .object({
    type: z.literal('behaviour'),
    action: z.enum(['viewed', 'added', 'bought']),
    productId: z.string().trim().min(1).max(128).optional(),
    category: z.string().trim().min(1).max(100).optional(),
    withinDays: z.number().int().min(1).max(365),
  })
  .strict();

/**
 * Loyalty, resolved to a set of customer ids through the loyalty data before compiling (like
 * behaviour): member or not, tier, points balance (members only), holding an unused coupon or not.
 */
export const loyaltyCondition = z
  .object({
    type: z.literal('loyalty'),
    member: z.boolean().optional(),
    tiers: list(z.string().trim().min(1).max(32)).optional(),
    points: range(z.number().int().min(0, msg('POINTS_NOT_NEGATIVE'))).optional(),
    coupon: z.enum(['available', 'none']).optional(),
  })
  .strict()
  .refine((c) => c.member !== undefined || c.tiers || c.points || c.coupon, { message: msg('LOYALTY_CONDITION_REQUIRED') })
  .refine((c) => c.member !== false || (!c.tiers && !c.points), { message: msg('LOYALTY_TIERS_NEED_MEMBER') });

export const cityCondition = z.object({ type: z.literal('city'), in: list(z.string().trim().min(1).max(64)) }).strict();
export const genderCondition = z.object({ type: z.literal('gender'), in: list(z.enum(['male', 'female', 'unknown'])) }).strict();
export const birthdayMonthCondition = z
  .object({ type: z.literal('birthdayMonth'), in: list(z.number().int().min(1, msg('MONTHS_1_TO_12')).max(12, msg('MONTHS_1_TO_12'))) })
  .strict();
export const sourceChannelCondition = z.object({ type: z.literal('sourceChannel'), in: list(z.string().trim().min(1).max(64)) }).strict();
export const ownerCondition = z.object({ type: z.literal('owner'), staffIds: list(objectId) }).strict();
export const wecomRelationCondition = z.object({ type: z.literal('wecomRelation'), in: list(z.enum(['none', 'active', 'lost'])) }).strict();
export const churnCondition = z.object({ type: z.literal('churn'), in: list(z.enum(CHURN_STATES)) }).strict();
/**
 * The person's own choice as the profile mirrors it (`consents.<purpose>`, written by the privacy
 * module). Opt-in: only an explicit yes counts as granted; never asked and withdrawn are both "not".
 */
export const consentCondition = z.object({ type: z.literal('consent'), purpose: z.enum(['marketing', 'profiling']), granted: z.boolean() }).strict();

export type GroupNode = { type: 'group'; op: 'and' | 'or'; not?: boolean; rules: AudienceNode[] };
export type ConditionNode =
  | z.output<typeof tagsCondition>
  | z.output<typeof rfmCondition>
  | z.output<typeof ordersCondition>
  | z.output<typeof behaviourCondition>
  | z.output<typeof loyaltyCondition>
  | z.output<typeof cityCondition>
  | z.output<typeof genderCondition>
  | z.output<typeof birthdayMonthCondition>
  | z.output<typeof sourceChannelCondition>
  | z.output<typeof ownerCondition>
  | z.output<typeof wecomRelationCondition>
  | z.output<typeof churnCondition>
  | z.output<typeof consentCondition>;
export type AudienceNode = GroupNode | ConditionNode;
export type BehaviourCondition = z.output<typeof behaviourCondition>;
export type LoyaltyCondition = z.output<typeof loyaltyCondition>;

/** A group as an object schema (its discriminator known to the union below); `rules` is a getter, for the recursion. */
const groupObject = z
  .object({
    type: z.literal('group'),
    op: z.enum(['and', 'or']),
    not: z.boolean().optional(),
    get rules(): z.ZodArray<z.ZodType<AudienceNode>> {
      return z.array(nodeSchema).min(1, msg('GROUP_RULES_REQUIRED')).max(50, msg('GROUP_RULES_AT_MOST_50'));
    },
  })
  .strict();
export const groupSchema: z.ZodType<GroupNode> = groupObject;

export const nodeSchema: z.ZodType<AudienceNode> = z.lazy(() =>
  z.discriminatedUnion('type', [
    groupObject,
    tagsCondition,
    rfmCondition,
    ordersCondition,
    behaviourCondition,
    loyaltyCondition,
    cityCondition,
    genderCondition,
    birthdayMonthCondition,
    sourceChannelCondition,
    ownerCondition,
    wecomRelationCondition,
    churnCondition,
    consentCondition,
  ]),
) as z.ZodType<AudienceNode>;

export const MAX_DEPTH = 5;
export const MAX_CONDITIONS = 100;
export const MAX_BEHAVIOUR = 5;

/**
 * The groups' nesting, measured before the lazy schemas parse (they recurse once per level, so an
 * audience of thousands of nested groups overflowed the stack before the depth rule below could
 * refuse it). Walks with its own stack and stops one level past the limit.
 */
const groupsWithinDepth = (value: unknown, ctx: z.RefinementCtx) => {
  const stack: Array<{ node: unknown; level: number }> = [{ node: value, level: 1 }];
  while (stack.length) {
    const { node, level } = stack.pop()!;
    const rules = (node as { rules?: unknown } | null)?.rules;
    if (!Array.isArray(rules)) continue;
    if (level > MAX_DEPTH) {
      ctx.addIssue({ code: 'custom', message: msg('GROUPS_TOO_DEEP'), params: { maxDepth: MAX_DEPTH } });
      return value;
    }
    for (const rule of rules) stack.push({ node: rule, level: level + 1 });
  }
  return value;
};

/** The whole audience: one root group, bounded so a single query stays cheap to plan and run. */
const boundedAudience = groupSchema.superRefine((root, ctx) => {
  let conditions = 0;
  let behaviour = 0;
  let depth = 0;
  const walk = (node: AudienceNode, level: number) => {
    depth = Math.max(depth, level);
    if (node.type === 'group') node.rules.forEach((r) => walk(r, level + 1));
    else {
      conditions++;
      if (node.type === 'behaviour' || node.type === 'loyalty') behaviour++;
    }
  };
  walk(root, 1);
  if (depth > MAX_DEPTH) ctx.addIssue({ code: 'custom', message: msg('GROUPS_TOO_DEEP'), params: { maxDepth: MAX_DEPTH } });
  if (conditions > MAX_CONDITIONS) ctx.addIssue({ code: 'custom', message: msg('AUDIENCE_CONDITIONS_AT_MOST'), params: { maxConditions: MAX_CONDITIONS } });
  if (behaviour > MAX_BEHAVIOUR) ctx.addIssue({ code: 'custom', message: msg('AUDIENCE_BEHAVIOUR_AT_MOST'), params: { maxBehaviour: MAX_BEHAVIOUR } });
});
export const audienceSchema = z.preprocess(groupsWithinDepth, boundedAudience);
export type Audience = GroupNode;

/** Every behaviour condition in the tree, in walk order, so each is resolved once. */
export function behaviourConditions(root: AudienceNode): BehaviourCondition[] {
  if (root.type === 'behaviour') return [root];
  if (root.type !== 'group') return [];
  return root.rules.flatMap(behaviourConditions);
}

/** Every loyalty condition in the tree, in walk order. */
export function loyaltyConditions(root: AudienceNode): LoyaltyCondition[] {
  if (root.type === 'loyalty') return [root];
  if (root.type !== 'group') return [];
  return root.rules.flatMap(loyaltyConditions);
}

/** A stable key for a loyalty condition's resolved id sets (one per part). */
export function loyaltyKey(c: LoyaltyCondition, part: 'member' | 'tiers' | 'points' | 'coupon'): string {
  return JSON.stringify([
    'loyalty',
    part,
    part === 'tiers' ? [...(c.tiers ?? [])].sort() : part === 'points' ? [c.points?.min ?? null, c.points?.max ?? null] : null,
  ]);
}

/** A stable key for a behaviour condition (the resolved id sets are looked up by it). */
export function behaviourKey(c: BehaviourCondition): string {
  return JSON.stringify([c.action, c.productId ?? null, c.category ?? null, c.withinDays]);
}
