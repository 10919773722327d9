import { Types } from 'mongoose';
import { benchPhone } from './bench-fixtures.js';
import { prng } from '../seed/demo-people.js';

/**
 * Deterministic data for the benchmarks, generated lazily batch by batch so that a million events or
 * profiles never sit in memory at once (each batch is built, written, and dropped).
 */
/** The demo seed's deterministic PRNG (mulberry32), so bench and demo data come from one generator. */
export const rng = prng;

/** Index in [0, n) with a long tail: a few values are common, most are rare (tags, SKUs, cities). */
export function zipf(r: () => number, n: number, s = 1.1): number {
  return Math.min(n - 1, Math.floor(n * Math.pow(r(), s * 3)));
}

const DAY_MS = 86_400_000;
const CATEGORIES = ['护肤', '彩妆', '香水', '个护', '礼盒'];

export interface OrderEventOptions {
  prefix: string;
  customers: number;
  customerPrefix?: number;
  seed?: number;
  now?: Date;
}

/** `order.paid` events as a shop platform sends them to POST /api/v1/events, in batches of `size`. */
export function* orderEventBatches(total: number, size: number, o: OrderEventOptions): Generator<Array<Record<string, unknown>>> {
  const r = rng(o.seed ?? 1);
  const now = (o.now ?? new Date()).getTime();
  for (let from = 0; from < total; from += size) {
    const batch: Array<Record<string, unknown>> = [];
    for (let i = from; i < Math.min(total, from + size); i++) {
      const lines = 1 + Math.floor(r() * 3);
      const items = Array.from({ length: lines }, () => {
        const sku = zipf(r, 500);
        return { sku: `SKU-${sku}`, category: CATEGORIES[sku % CATEGORIES.length], quantity: 1 + Math.floor(r() * 2), price: 1_900 + (sku % 50) * 1_000 };
      });
      batch.push({
        eventId: `${o.prefix}-${i}`,
        type: 'order.paid',
        occurredAt: new Date(now - Math.floor(r() * 300 * DAY_MS)).toISOString(),
        customer: { phone: benchPhone(Math.floor(r() * o.customers), o.customerPrefix ?? 0) },
        data: { orderId: `${o.prefix}-o${i}`, amount: items.reduce((a, x) => a + x.quantity * x.price, 0), items, channel: 'tmall' },
      });
    }
    yield batch;
  }
}

export interface ProfileOptions {
  tenantId: string;
  /** Tag ids (ObjectId hex) to draw from; the first are the most common. */
  tagIds: string[];
  seed?: number;
  now?: Date;
}

const CITIES = ['上海', '北京', '杭州', '深圳', '广州', '成都', '南京', '武汉', '西安', '重庆'];
const CLASSES = ['重要价值', '重要发展', '重要保持', '重要挽留', '一般价值', '一般发展', '一般保持', '一般挽留'];

/**
 * Customer profiles in the shape the customers module stores them, with realistic skew: ~60% have
 * bought (RFM scored), tags follow a long tail (0–6 per profile), a third are WeCom contacts.
 * Written straight to the collection by the segment benchmark: generating a million profiles through
 * identify() would measure the importer, not the segment engine.
 */
export function* profileBatches(total: number, size: number, o: ProfileOptions): Generator<Array<Record<string, unknown>>> {
  const r = rng(o.seed ?? 7);
  const now = (o.now ?? new Date()).getTime();
  for (let from = 0; from < total; from += size) {
    const batch: Array<Record<string, unknown>> = [];
    for (let i = from; i < Math.min(total, from + size); i++) {
      const tags = new Set<string>();
      const nTags = Math.floor(r() * r() * 7);
      for (let k = 0; k < nTags; k++) tags.add(o.tagIds[zipf(r, o.tagIds.length)]);
      const buyer = r() < 0.6;
      const orderCount = buyer ? 1 + zipf(r, 20) : 0;
      const totalPaid = orderCount * (5_000 + Math.floor(r() * 40_000));
      const lastOrderAt = buyer ? new Date(now - Math.floor(r() * 400 * DAY_MS)) : undefined;
      const score = () => 1 + Math.floor(r() * 5);
      const createdAt = new Date(now - Math.floor(r() * 800 * DAY_MS));
      batch.push({
        _id: new Types.ObjectId(),
        tenantId: o.tenantId,
        status: 'active',
        name: `顾客${i}`,
        gender: ['male', 'female', 'female', 'unknown'][i % 4],
        city: CITIES[zipf(r, CITIES.length)],
        phone: benchPhone(i, 9),
        sourceChannel: ['wecom', 'shop', 'import', 'bot'][i % 4],
        followerStaffIds: [],
        tags: [...tags],
        identities: [{ type: 'phone', value: benchPhone(i, 9) }],
        notes: [],
        aggregates: {
          orderCount,
          totalPaid,
          refundCount: 0,
          refundedAmount: 0,
          ...(buyer ? { firstOrderAt: lastOrderAt, lastOrderAt, lastActiveAt: lastOrderAt } : {}),
        },
        wecom: { relation: r() < 0.33 ? 'active' : 'none' },
        rfm: buyer
          ? { r: score(), f: score(), m: score(), class: CLASSES[zipf(r, CLASSES.length, 0.6)], churn: { state: r() < 0.8 ? 'ok' : 'at_risk' } }
          : undefined,
        consents: {},
        createdAt,
        updatedAt: createdAt,
        __v: 0,
      });
    }
    yield batch;
  }
}
