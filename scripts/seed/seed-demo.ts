import type { Config } from '../../server/src/config/env.js';
import type { Services } from '../../server/src/services.js';
import type { Logger } from '../../server/src/shared/logger.js';
import type { StaffRole } from '../../server/src/shared/http/principal.js';
import { demoPerson, prng } from './demo-people.js';
import { seedLoyalty } from './loyalty.seed.js';
import { seedJourneys } from './journeys.seed.js';

export const DEMO_LOGINS = {
  password: 'scrm-demo-2026',
  integrationKey: 'sk_demo_shop_integration_key',
  staff: [
    { username: 'admin', name: '管理员', role: 'admin' as StaffRole },
    { username: 'manager', name: '社群运营-周敏', role: 'community_manager' as StaffRole },
    { username: 'sales1', name: '销售-张伟', role: 'sales' as StaffRole, wecomUserId: 'zhangwei' },
    { username: 'sales2', name: '销售-李娜', role: 'sales' as StaffRole, wecomUserId: 'lina' },
    { username: 'agent1', name: '客服-王芳', role: 'agent' as StaffRole, wecomUserId: 'wangfang' },
    { username: 'agent2', name: '客服-刘洋', role: 'agent' as StaffRole, wecomUserId: 'liuyang' },
  ],
};

const TAG_GROUPS: Record<string, string[]> = {
  客户意向: ['高意向', '潜在客户', '已成交'],
  兴趣偏好: ['美妆', '护肤', '母婴', '数码', '家居'],
  来源渠道: ['直播间', '门店', '小程序', '企微活码'],
  生命周期: ['新客', '复购', '沉睡'],
};

const PRODUCTS = [
  { sku: 'SKU-LIP-01', name: '丝绒哑光口红', category: '美妆', price: 19_900 },
  { sku: 'SKU-ESS-02', name: '修护精华液 30ml', category: '护肤', price: 39_900 },
  { sku: 'SKU-CRM-03', name: '保湿面霜', category: '护肤', price: 25_800 },
  { sku: 'SKU-BBY-04', name: '婴儿润肤乳', category: '母婴', price: 8_900 },
  { sku: 'SKU-EAR-05', name: '降噪蓝牙耳机', category: '数码', price: 59_900 },
  { sku: 'SKU-MSK-06', name: '补水面膜 10片', category: '护肤', price: 12_900 },
  { sku: 'SKU-CUP-07', name: '陶瓷马克杯', category: '家居', price: 4_900 },
];

export type SeedStep = (s: Services, tenantId: string, ctx: { customerIds: string[]; staffIds: Record<string, string>; log: Logger }) => Promise<void>;

/** Other modules' demo data (loyalty, conversations, ...) add a step here. */
export const seedSteps: Array<{ name: string; run: SeedStep }> = [];
// Marketing and profiling are opt-in: a realistic mix agreed (at the store, in the member center), so
// the demo's campaigns reach some people and show the others skipped for want of consent.
seedSteps.push({
  name: 'consents',
  run: async (s, tenantId, ctx) => {
    const rand = prng(20261207);
    const choices = ctx.customerIds.flatMap((customerId) => {
      const marketing = rand() < 0.7;
      const out: Array<{ customerId: string; purpose: 'marketing' | 'profiling'; granted: boolean }> = [
        { customerId, purpose: 'marketing', granted: marketing },
      ];
      // Profiling asked only of a part of them; a few said no.
      const asked = rand();
      if (asked < 0.45) out.push({ customerId, purpose: 'profiling', granted: asked < 0.4 });
      return out;
    });
    for (let i = 0; i < choices.length; i += 1000) await s.privacy.consents.importMany(tenantId, choices.slice(i, i + 1000), 'import:demo');
    ctx.log.info({ marketing: choices.filter((c) => c.purpose === 'marketing' && c.granted).length, of: ctx.customerIds.length }, 'demo consents recorded');
  },
});
seedSteps.push({ name: 'loyalty', run: (s, tenantId, ctx) => seedLoyalty(s, tenantId, ctx.customerIds).then(() => undefined) });
seedSteps.push({ name: 'journeys', run: (s, tenantId) => seedJourneys(s, tenantId).then(() => undefined) });
// What the first nightly run would do, so the dashboard's RFM grid and churn figures (and the sales
// reps' churn follow-ups) are there on first start.
seedSteps.push({
  name: 'rfm',
  run: async (s, tenantId, ctx) => {
    const scored = await s.rfm.recomputeTenant(tenantId);
    const churn = await s.rfm.sweepChurn(tenantId);
    ctx.log.info({ scored, ...churn }, 'demo RFM scored and churn swept');
  },
});

/**
 * Seeds a brand on first start: staff of every role, tags, ~2,000 customers with a year of orders
 * that go through the real ingest path, so aggregates and hooks are exactly what production computes.
 * Returns false when the tenant already has staff (existing data is kept).
 */
export async function seedDemo(s: Services, config: Config, options: { log: Logger; customers?: number } = { log: s.deps.log }): Promise<boolean> {
  const tenantId = config.DEFAULT_TENANT;
  if ((await s.staff.list(tenantId)).length > 0) return false;
  const started = Date.now();
  const rand = prng(20261123);
  const staffIds: Record<string, string> = {};
  for (const st of DEMO_LOGINS.staff) {
    // Marked demo: with a published password, they sign in only while demo sign-in is on.
    const created = await s.staff.create(tenantId, { ...st, password: DEMO_LOGINS.password, demo: true });
    staffIds[st.username] = created.id;
    if (st.role === 'agent') await s.staff.update(tenantId, created.id, { online: true });
  }
  await s.staff.createApiKey(tenantId, 'demo shop', DEMO_LOGINS.integrationKey);

  const tagIds: Record<string, string> = {};
  for (const [group, names] of Object.entries(TAG_GROUPS)) {
    for (const [order, name] of names.entries()) tagIds[name] = (await s.tags.ensure(tenantId, group, name, { order })).id;
  }

  const count = options.customers ?? 2000;
  const sales = [staffIds.sales1, staffIds.sales2];
  const people = Array.from({ length: count }, (_, i) => demoPerson(rand, i));
  const interestTags = ['美妆', '护肤', '母婴', '数码', '家居'];
  const { ids } = await s.customers.importMany(
    tenantId,
    people.map((p, i) => ({
      identity: { phone: p.phone },
      attrs: { name: p.name, gender: p.gender, city: p.city, birthday: p.birthday, sourceChannel: p.sourceChannel, ownerStaffId: sales[i % 2] },
      tags: [tagIds[interestTags[Math.floor(rand() * interestTags.length)]], ...(rand() < 0.3 ? [tagIds['高意向']] : [])],
    })),
    'demo',
  );

  // A year of orders: most customers buy 0-6 times, a loyal few much more; some refunds and browsing.
  const now = s.deps.now().getTime();
  const day = 86_400_000;
  const events: Array<{ occurredAt: string } & Record<string, unknown>> = [];
  people.forEach((p, i) => {
    const loyal = rand() < 0.08;
    const orders = loyal ? 6 + Math.floor(rand() * 10) : Math.floor(rand() * rand() * 7);
    for (let o = 0; o < orders; o++) {
      const product = PRODUCTS[Math.floor(rand() * PRODUCTS.length)];
      const quantity = 1 + Math.floor(rand() * 2);
      const at = new Date(now - Math.floor(rand() * 365 * day));
      const eventId = `demo-order-${i}-${o}`;
      events.push({
        eventId,
        type: 'order.paid',
        occurredAt: at.toISOString(),
        customer: { phone: p.phone },
        data: {
          orderId: eventId,
          amount: product.price * quantity,
          items: [{ sku: product.sku, name: product.name, category: product.category, quantity, price: product.price }],
        },
      });
      if (rand() < 0.04) {
        events.push({
          eventId: `${eventId}-refund`,
          type: 'order.refunded',
          occurredAt: new Date(at.getTime() + 3 * day).toISOString(),
          customer: { phone: p.phone },
          data: { orderId: eventId, amount: product.price * quantity },
        });
      }
    }
    if (rand() < 0.3) {
      const product = PRODUCTS[Math.floor(rand() * PRODUCTS.length)];
      events.push({
        eventId: `demo-view-${i}`,
        type: 'product.viewed',
        occurredAt: new Date(now - Math.floor(rand() * 30 * day)).toISOString(),
        customer: { phone: p.phone },
        data: { productId: product.sku, category: product.category, name: product.name },
      });
    }
  });
  events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  for (let i = 0; i < events.length; i += 1000) await s.events.ingest(tenantId, events.slice(i, i + 1000), 'demo');
  // Points, aggregates and RFM follow ingest in the worker; the steps below (and the first look) read them.
  await s.events.settle();

  for (const step of seedSteps) {
    await step.run(s, tenantId, { customerIds: ids, staffIds, log: options.log });
  }
  options.log.info({ customers: ids.length, events: events.length, ms: Date.now() - started }, 'demo data seeded');
  return true;
}
