import { Types } from 'mongoose';
import { behaviourKey, loyaltyKey, type AudienceNode, type ConditionNode } from './audience.schema.js';

/**
 * Compiles an audience tree to one MongoDB filter on `customers`. Pure: behaviour and loyalty
 * conditions arrive already resolved to customer-id sets (SegmentService asks the events module and
 * reads the loyalty data), so the same tree
 * compiles to the same filter for a given clock and event data. The caller adds tenantId and status.
 */
export interface CompileContext {
  now: Date;
  /** behaviourKey(condition) -> ids of customers who did it in the window; loyaltyKey(...) -> ids matching that part. */
  behaviour: Map<string, Types.ObjectId[]>;
}

export type Filter = Record<string, unknown>;

const DAY_MS = 86_400_000;

/** A range on a numeric field; when the range includes the field's default, profiles without it match too. */
function numericRange(field: string, min: number | undefined, max: number | undefined, missingMeans?: number): Filter {
  const cond: Record<string, number> = {};
  if (min !== undefined) cond.$gte = min;
  if (max !== undefined) cond.$lte = max;
  const includesMissing = missingMeans !== undefined && (min === undefined || min <= missingMeans) && (max === undefined || max >= missingMeans);
  return includesMissing ? { $or: [{ [field]: cond }, { [field]: null }] } : { [field]: cond };
}

/** `$in` over an enum whose default value is also what a missing field means. */
function inWithDefault(field: string, values: readonly unknown[], defaultValue?: unknown): Filter {
  return defaultValue !== undefined && values.includes(defaultValue)
    ? { $or: [{ [field]: { $in: values } }, { [field]: null }] }
    : { [field]: { $in: values } };
}

function condition(node: ConditionNode, ctx: CompileContext): Filter {
  switch (node.type) {
    case 'tags':
      if (node.match === 'any') return { tags: { $in: node.tagIds } };
      if (node.match === 'all') return { tags: { $all: node.tagIds } };
      return { tags: { $nin: node.tagIds } };
    case 'rfm': {
      const parts: Filter[] = [];
      if (node.classes) parts.push({ 'rfm.class': { $in: node.classes } });
      for (const axis of ['r', 'f', 'm'] as const) {
        const r = node[axis];
        if (r) parts.push(numericRange(`rfm.${axis}`, r.min, r.max));
      }
      return parts.length === 1 ? parts[0] : { $and: parts };
    }
    case 'orders': {
      if (node.metric === 'lastOrderDays') {
        // "between min and max days ago": a later bound for min, an earlier one for max.
        const cond: Record<string, Date> = {};
        if (node.min !== undefined) cond.$lte = new Date(ctx.now.getTime() - node.min * DAY_MS);
        if (node.max !== undefined) cond.$gte = new Date(ctx.now.getTime() - node.max * DAY_MS);
        return { 'aggregates.lastOrderAt': cond };
      }
      const field = node.metric === 'orderCount' ? 'aggregates.orderCount' : 'aggregates.totalPaid';
      return numericRange(field, node.min, node.max, 0);
    }
    case 'behaviour': {
      const ids = ctx.behaviour.get(behaviourKey(node));
      if (!ids) throw new Error(`behaviour condition ${behaviourKey(node)} was not resolved before compiling`);
      return { _id: { $in: ids } };
    }
    case 'loyalty': {
      const ids = (part: 'member' | 'tiers' | 'points' | 'coupon') => {
        const found = ctx.behaviour.get(loyaltyKey(node, part));
        if (!found) throw new Error(`loyalty condition ${loyaltyKey(node, part)} was not resolved before compiling`);
        return found;
      };
      const parts: Filter[] = [];
      if (node.member !== undefined) parts.push({ _id: { [node.member ? '$in' : '$nin']: ids('member') } });
      if (node.tiers) parts.push({ _id: { $in: ids('tiers') } });
      if (node.points) parts.push({ _id: { $in: ids('points') } });
      if (node.coupon) parts.push({ _id: { [node.coupon === 'available' ? '$in' : '$nin']: ids('coupon') } });
      return parts.length === 1 ? parts[0] : { $and: parts };
    }
    case 'city':
      return { city: { $in: node.in } };
    case 'gender':
      return inWithDefault('gender', node.in, 'unknown');
    case 'birthdayMonth':
      return { 'birthday.month': { $in: node.in } };
    case 'sourceChannel':
      return inWithDefault('sourceChannel', node.in, 'unknown');
    case 'owner':
      return { ownerStaffId: { $in: node.staffIds } };
    case 'wecomRelation':
      return inWithDefault('wecom.relation', node.in, 'none');
    case 'churn':
      return { 'rfm.churn.state': { $in: node.in } };
    case 'consent':
      return { [`consents.${node.purpose}`]: node.granted ? true : { $ne: true } };
  }
}

export function compileNode(node: AudienceNode, ctx: CompileContext): Filter {
  if (node.type !== 'group') return condition(node, ctx);
  const parts = node.rules.map((r) => compileNode(r, ctx));
  const joined = parts.length === 1 ? parts[0] : { [node.op === 'and' ? '$and' : '$or']: parts };
  return node.not ? { $nor: [joined] } : joined;
}
