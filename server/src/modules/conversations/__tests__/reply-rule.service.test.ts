import { startTestApp, type TestApp } from '../../../../../tests/support/harness.js';
import { ReplyRuleService } from '../reply-rule.service.js';
import { REPLY_RULE_CACHE_MS } from '../reply-rule-cache.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.stop());

const rules = () => app.rt.services.desk.rules;
const T = 'rules-tenant';

test('keyword and regex rules answer before FAQ entries, the higher priority first', async () => {
  await rules().createRule(T, { kind: 'faq', keywords: ['发货'], reply: 'FAQ 发货' });
  const low = await rules().createRule(T, { kind: 'keyword', keywords: ['发货'], reply: '普通规则', priority: 1 });
  await rules().createRule(T, { kind: 'regex', pattern: '发货.*快', reply: '加急规则', priority: 5 });
  expect(await rules().match(T, '发货能快点吗')).toMatchObject({ kind: 'regex', reply: '加急规则' });
  expect(await rules().match(T, '什么时候发货')).toMatchObject({ kind: 'keyword', reply: '普通规则', ruleId: String(low._id) });
  await rules().updateRule(T, String(low._id), { active: false });
  expect(await rules().match(T, '什么时候发货')).toMatchObject({ kind: 'faq', reply: 'FAQ 发货' });
});

test('the FAQ entry sharing the most keywords with the question wins; nothing matching answers null', async () => {
  const t = `${T}-faq`;
  await rules().createRule(t, { kind: 'faq', keywords: ['退货'], reply: '退货政策' });
  await rules().createRule(t, { kind: 'faq', keywords: ['退货', '运费'], reply: '退货运费说明' });
  expect((await rules().match(t, '退货的运费谁出？'))?.reply).toBe('退货运费说明');
  expect((await rules().match(t, '我想退货'))?.reply).toBe('退货政策');
  expect(await rules().match(t, '今天天气怎么样')).toBeNull();
  // Keywords are matched case-insensitively.
  await rules().createRule(t, { kind: 'faq', keywords: ['VIP'], reply: '会员权益' });
  expect((await rules().match(t, 'vip有什么好处'))?.reply).toBe('会员权益');
});

test("another tenant's rules never answer", async () => {
  await rules().createRule(`${T}-a`, { kind: 'keyword', keywords: ['你好'], reply: 'A 的问候' });
  expect(await rules().match(`${T}-b`, '你好')).toBeNull();
});

test('a canned reply is filled with the customer name, and a generic greeting without a profile', async () => {
  const id = await app.rt.services.customers.identify(T, { wechatyContactId: 'c-render' }, { name: '周杰' }, 'bot');
  expect(await app.rt.services.desk.render(T, '{name}您好，{name}！', id)).toBe('周杰您好，周杰！');
  expect(await app.rt.services.desk.render(T, '{name}您好', undefined)).toBe('亲您好');
});

test('a rule edited in another process (a bot running on its own) answers within REPLY_RULE_CACHE_MS', async () => {
  const t = `${T}-cache`;
  const bot = new ReplyRuleService(app.rt.services.deps);
  const rule = await rules().createRule(t, { kind: 'keyword', keywords: ['营业'], reply: '9点营业' });
  expect((await bot.match(t, '几点营业'))?.reply).toBe('9点营业');
  expect((await rules().match(t, '几点营业'))?.reply).toBe('9点营业');
  await rules().updateRule(t, String(rule._id), { reply: '10点营业' });
  // Here (the process that saved it) at once; the other process may still answer from its copy.
  expect((await rules().match(t, '几点营业'))?.reply).toBe('10点营业');
  await new Promise((r) => setTimeout(r, REPLY_RULE_CACHE_MS + 50));
  expect((await bot.match(t, '几点营业'))?.reply).toBe('10点营业');
  await rules().deleteRule(t, String(rule._id));
  await new Promise((r) => setTimeout(r, REPLY_RULE_CACHE_MS + 50));
  expect(await bot.match(t, '几点营业')).toBeNull();
});

test('patterns that backtrack for seconds in V8 answer correctly on long messages (RE2, linear time)', async () => {
  const t = `${T}-redos`;
  await rules().createRule(t, { kind: 'regex', pattern: 'b*b*b*b*b*b*b*b*c', reply: '星号规则', priority: 2 });
  await rules().createRule(t, { kind: 'regex', pattern: '(.*b){15}c', reply: '分组规则', priority: 1 });
  // Each of these took V8 longer than jest's timeout; RE2 answers in microseconds.
  for (const n of [400, 5_000]) expect((await rules().match(t, `${'b'.repeat(n)}c`))?.reply).toBe('星号规则');
  expect(await rules().match(t, 'b'.repeat(5_000))).toBeNull();
  expect(await rules().match(t, `${'ab'.repeat(3_000)}!`)).toBeNull();
  await rules().updateRule(t, String((await rules().listRules(t, 'regex')).find((r) => r.priority === 2)!._id), { active: false });
  expect((await rules().match(t, `${'xb'.repeat(2_000)}C`))?.reply).toBe('分组规则'); // case-insensitive, as before
});

test('a pattern only a backtracking engine can run (backreference, lookaround) is refused when saved', async () => {
  const t = `${T}-re2`;
  for (const pattern of ['(退)\\1', '退(?=款)', '(?<!不)退货']) {
    await expect(rules().createRule(t, { kind: 'regex', pattern, reply: 'x' })).rejects.toMatchObject({
      status: 400,
      code: 'CONVERSATION_BAD_PATTERN',
      details: { field: 'pattern', reason: 'unsupported' },
    });
  }
  await expect(rules().createRule(t, { kind: 'regex', pattern: '(退款', reply: 'x' })).rejects.toMatchObject({
    details: { field: 'pattern', reason: 'invalid' },
  });
  expect(await rules().listRules(t)).toEqual([]);
  const ok = await rules().createRule(t, { kind: 'regex', pattern: '订单\\s*\\d{6,20}|退(款|货)', reply: '好的' });
  await expect(rules().updateRule(t, String(ok._id), { pattern: '(a)\\1' })).rejects.toMatchObject({ details: { reason: 'unsupported' } });
  expect((await rules().match(t, '订单 12345678 怎么还没到'))?.reply).toBe('好的');
});
