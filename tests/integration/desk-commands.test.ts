import { startMockChat, eventually, type MockChat } from './desk/mock-chat.js';

let chat: MockChat;
beforeAll(async () => {
  chat = await startMockChat();
});
afterAll(() => chat.stop());

const tenant = () => chat.app.config.DEFAULT_TENANT;
const profileOf = (contactId: string) =>
  eventually(() => chat.app.rt.services.customers.findByIdentity(tenant(), { wechatyContactId: contactId }), 8000, 'the profile');

test('积分 is answered with the real balance and tier from the loyalty ledger', async () => {
  const kim = chat.contact('金');
  kim.say('积分');
  expect(await kim.hears(/还不是会员/)).toBeTruthy();
  const customerId = await profileOf(kim.mock.id);
  await chat.app.rt.services.loyalty.adjust(tenant(), customerId, { points: 321, reason: 'test grant', idempotencyKey: `kim-${customerId}`, operator: 'test' });
  const { balance, tier } = await chat.app.rt.services.loyalty.summary(tenant(), customerId);
  expect(balance).toBeGreaterThanOrEqual(321);
  kim.say('积分');
  expect(await kim.hears(new RegExp(`当前积分 ${balance}，会员等级：${tier.name}`))).toBeTruthy();
});

test('签到 earns the daily points once; a second check-in the same day earns nothing', async () => {
  const leo = chat.contact('利奥');
  leo.say('签到');
  const first = await leo.hears(/签到成功/);
  const customerId = await profileOf(leo.mock.id);
  const after = await chat.app.rt.services.loyalty.summary(tenant(), customerId);
  expect(first).toMatch(new RegExp(`当前积分 ${after.balance}`));
  leo.say('签到');
  expect(await leo.hears(/今天已经签到过了/)).toMatch(new RegExp(`当前积分 ${after.balance}`));
  expect((await chat.app.rt.services.loyalty.summary(tenant(), customerId)).balance).toBe(after.balance);
});

test('优惠券 lists the available coupons with the member-center link', async () => {
  const mia = chat.contact('米娅');
  mia.say('优惠券');
  expect(await mia.hears(/暂时没有可用的优惠券/)).toMatch(/\/h5\/#\/member\/coupons/);
  const customerId = await profileOf(mia.mock.id);
  const loyalty = chat.app.rt.services.loyalty;
  const template = await loyalty.coupons.createTemplate(tenant(), {
    name: '满100减20',
    kind: 'amount',
    amountOff: 2000,
    threshold: 10000,
    validity: { kind: 'relative', days: 30 },
    stock: 10,
    perCustomerLimit: 1,
    channels: ['staff'],
    active: true,
  });
  await loyalty.coupons.issue(tenant(), { templateId: template.id, customerId, channel: 'staff', issueKey: `mia-${customerId}` });
  mia.say('优惠券');
  const answer = await mia.hears(/可用优惠券/);
  expect(answer).toContain('您有 1 张可用优惠券');
  expect(answer).toContain('· 满100减20（');
  expect(answer).toMatch(/查看和使用：.*\/h5\/#\/member\/coupons/);
});

test('a customer who replies TD withdraws marketing consent, and 恢复订阅 grants it (with the purpose said in plain words)', async () => {
  const ava = chat.contact('艾娃');
  ava.say('你好');
  const customerId = await profileOf(ava.mock.id);
  const broadcasts = chat.app.rt.services.broadcasts;
  ava.say('TD');
  expect(await ava.hears(/已为您退订营销消息/)).toBeTruthy();
  expect(await broadcasts.isOptedOut(tenant(), customerId)).toBe(true);
  ava.say('TD');
  expect(await ava.hears(/已为您退订营销消息/)).toBeTruthy();
  const consents = chat.app.rt.services.privacy.consents;
  expect((await consents.get(tenant(), customerId)).marketing).toMatchObject({ granted: false, source: 'recorded', channel: 'bot' });
  ava.say('恢复订阅');
  expect(await ava.hears(/已订阅营销消息。.*会员活动、优惠券和新品通知/)).toBeTruthy();
  expect(await broadcasts.isOptedOut(tenant(), customerId)).toBe(false);
  expect((await consents.get(tenant(), customerId)).marketing).toMatchObject({ granted: true, channel: 'bot', version: expect.any(String) });
});
