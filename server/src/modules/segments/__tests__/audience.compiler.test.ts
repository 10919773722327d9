import { Types } from 'mongoose';
import { audienceSchema, behaviourKey, loyaltyKey, type Audience } from '../audience.schema.js';
import { compileNode } from '../audience.compiler.js';
import { sayIssue } from '../../../shared/http/validation-message.js';

const now = new Date('2026-06-01T00:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const T1 = 'a'.repeat(24);
const T2 = 'b'.repeat(24);
const viewedIds = [new Types.ObjectId('c'.repeat(24))];
const viewed = { type: 'behaviour' as const, action: 'viewed' as const, productId: 'sku-1', withinDays: 7 };
const goldIds = [new Types.ObjectId('d'.repeat(24))];
const holderIds = [new Types.ObjectId('e'.repeat(24))];
const goldNoCoupon = { type: 'loyalty' as const, tiers: ['gold'], coupon: 'none' as const };
const behaviour = new Map([
  [behaviourKey(viewed), viewedIds],
  [loyaltyKey(goldNoCoupon, 'tiers'), goldIds],
  [loyaltyKey(goldNoCoupon, 'coupon'), holderIds],
]);
const and = (...rules: any[]): Audience => ({ type: 'group', op: 'and', rules });

const cases: Array<[string, Audience, Record<string, unknown>]> = [
  ['any of two tags', and({ type: 'tags', match: 'any', tagIds: [T1, T2] }), { tags: { $in: [T1, T2] } }],
  ['all of two tags', and({ type: 'tags', match: 'all', tagIds: [T1, T2] }), { tags: { $all: [T1, T2] } }],
  ['none of a tag', and({ type: 'tags', match: 'none', tagIds: [T1] }), { tags: { $nin: [T1] } }],
  [
    'an RFM class and a minimum R score',
    and({ type: 'rfm', classes: ['重要价值'], r: { min: 4 } }),
    { $and: [{ 'rfm.class': { $in: ['重要价值'] } }, { 'rfm.r': { $gte: 4 } }] },
  ],
  [
    'last order 30 to 90 days ago',
    and({ type: 'orders', metric: 'lastOrderDays', min: 30, max: 90 }),
    { 'aggregates.lastOrderAt': { $lte: daysAgo(30), $gte: daysAgo(90) } },
  ],
  [
    'at most one order also matches profiles without the counter',
    and({ type: 'orders', metric: 'orderCount', max: 1 }),
    { $or: [{ 'aggregates.orderCount': { $lte: 1 } }, { 'aggregates.orderCount': null }] },
  ],
  ['paid at least 100 yuan', and({ type: 'orders', metric: 'totalPaid', min: 10_000 }), { 'aggregates.totalPaid': { $gte: 10_000 } }],
  ['viewed a product this week', and(viewed), { _id: { $in: viewedIds } }],
  ['gold members without an unused coupon', and(goldNoCoupon), { $and: [{ _id: { $in: goldIds } }, { _id: { $nin: holderIds } }] }],
  ['gender unknown includes profiles without one', and({ type: 'gender', in: ['unknown'] }), { $or: [{ gender: { $in: ['unknown'] } }, { gender: null }] }],
  ['born in May or June', and({ type: 'birthdayMonth', in: [5, 6] }), { 'birthday.month': { $in: [5, 6] } }],
  ['lost on WeCom', and({ type: 'wecomRelation', in: ['lost'] }), { 'wecom.relation': { $in: ['lost'] } }],
  ['agreed to marketing: only an explicit yes', and({ type: 'consent', purpose: 'marketing', granted: true }), { 'consents.marketing': true }],
  [
    'not agreed to profiling: withdrawn or never asked',
    and({ type: 'consent', purpose: 'profiling', granted: false }),
    { 'consents.profiling': { $ne: true } },
  ],
  ['at risk of churn', and({ type: 'churn', in: ['at_risk'] }), { 'rfm.churn.state': { $in: ['at_risk'] } }],
  [
    'nested: Shanghai AND (VIP tag OR paid 500+) AND NOT (owner X)',
    and(
      { type: 'city', in: ['上海'] },
      {
        type: 'group',
        op: 'or',
        rules: [
          { type: 'tags', match: 'any', tagIds: [T1] },
          { type: 'orders', metric: 'totalPaid', min: 50_000 },
        ],
      },
      { type: 'group', op: 'and', not: true, rules: [{ type: 'owner', staffIds: [T2] }] },
    ),
    {
      $and: [
        { city: { $in: ['上海'] } },
        { $or: [{ tags: { $in: [T1] } }, { 'aggregates.totalPaid': { $gte: 50_000 } }] },
        { $nor: [{ ownerStaffId: { $in: [T2] } }] },
      ],
    },
  ],
  [
    'a negated OR becomes $nor of the $or',
    { type: 'group', op: 'or', not: true, rules: [{ type: 'sourceChannel', in: ['douyin'] }, viewed] },
    { $nor: [{ $or: [{ sourceChannel: { $in: ['douyin'] } }, { _id: { $in: viewedIds } }] }] },
  ],
];

test.each(cases)('compiles %s', (_name, audience, expected) => {
  const parsed = audienceSchema.parse(audience);
  expect(compileNode(parsed, { now, behaviour })).toEqual(expected);
});

const invalid: Array<[string, unknown, RegExp]> = [
  ['an empty group', { type: 'group', op: 'and', rules: [] }, /at least one rule/],
  ['an unknown condition type', and({ type: 'zodiac', in: ['leo'] }), /Expected 'group' \| 'tags'/],
  ['an RFM score of 6', and({ type: 'rfm', r: { min: 6 } }), /scores run from 1 to 5/],
  ['a range with min above max', and({ type: 'orders', metric: 'orderCount', min: 5, max: 2 }), /min must not exceed max/],
  ['a tag id that is not an id', and({ type: 'tags', match: 'any', tagIds: ['vip'] }), /24-character hex id/],
  ['a birthday month of 13', and({ type: 'birthdayMonth', in: [13] }), /months run from 1 to 12/],
  ['groups nested seven deep', [1, 2, 3, 4, 5, 6].reduce<any>((inner) => and(inner), { type: 'city', in: ['x'] }), /at most 5 levels/],
  // Before anything recurses: the lazy schemas used to overflow the stack on this (a 500).
  ['groups nested 10,000 deep', Array.from({ length: 10_000 }).reduce<any>((inner) => and(inner), { type: 'city', in: ['x'] }), /at most 5 levels/],
  ['six behaviour conditions', and(...Array.from({ length: 6 }, (_, i) => ({ ...viewed, withinDays: i + 1 }))), /at most 5 behaviour/],
  ['a loyalty condition with nothing to match', and({ type: 'loyalty' }), /needs member, tiers, points or coupon/],
  ['negative points', and({ type: 'loyalty', points: { min: -5 } }), /points are never negative/],
  ['a consent condition for a purpose there is no consent for', and({ type: 'consent', purpose: 'newsletter', granted: true }), /Invalid option/],
  ['an unexpected key', and({ type: 'city', in: ['x'], extra: 1 }), /Unrecognized key/],
];

test.each(invalid)('refuses %s with a message saying what to fix', (_name, audience, message) => {
  const result = audienceSchema.safeParse(audience);
  expect(result.success).toBe(false);
  expect(result.error!.issues.map((i) => sayIssue(i)).join('; ')).toMatch(message);
});
