import { startBroadcastTestbed, sentTo, type BroadcastTestbed } from './broadcast-testbed.js';
import { shopperToken } from '../trust/trust-support.js';
import { refusalInChinese } from '../../../h5/src/modules/refusals.js';

/**
 * Marketing and profiling are opt-in (PIPL art. 14): saying nothing agrees to nothing. A campaign
 * reaches only those who agreed, and shows everyone else as skipped with the reason; a campaign
 * picked by behaviour (RFM, orders) also needs profiling consent; a journey message likewise.
 */
// 11:00 in Shanghai: inside any send window, whatever the hour the test runs at.
const clock = Date.UTC(2026, 11, 7, 3, 0);
let tb: BroadcastTestbed;
let owner: { staffId: string; wecomUserId: string };
beforeAll(async () => {
  tb = await startBroadcastTestbed({ now: () => new Date(clock) });
  owner = { staffId: await tb.staff('optin'), wecomUserId: 'optin' };
});
afterAll(() => tb?.stop());

const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: tb.manager, body });
const s = () => tb.app.rt.services;
const segment = async (name: string, rules: unknown[]) =>
  (await api('POST', '/api/v1/segments', { name, audience: { type: 'group', op: 'and', rules } })).body.id as string;
const runCampaign = async (name: string, segmentId: string, text: string) => {
  const res = await api('POST', '/api/v1/broadcasts', { name, segmentId, channel: 'wecom_group_msg', content: { text } });
  expect(res.status).toBe(201);
  for (let i = 0; i < 20; i++) {
    await s().broadcasts.dispatcher.tick(10_000);
    const p = (await api('GET', `/api/v1/broadcasts/${res.body.id}`)).body.progress;
    if (p.status === 'completed') return p;
  }
  throw new Error('campaign did not complete');
};

test('a shopper who never chose has agreed to nothing, and is shown the purpose in plain Chinese with its version', async () => {
  const [id] = await tb.contacts(1, owner, (await s().tags.ensure(tb.tenantId, '活动', '新人')).id, 'nw', { consent: false });
  const mine = await tb.app.request('GET', '/api/v1/me/privacy', { token: await shopperToken(tb.app, id) });
  expect(mine.status).toBe(200);
  expect(mine.body.consents.marketing).toMatchObject({ granted: false, source: 'default', at: null, version: null });
  expect(mine.body.consents.profiling).toMatchObject({ granted: false, source: 'default' });
  expect(mine.body.texts.version).toEqual(expect.any(String));
  expect(mine.body.texts.purposes.marketing.purpose).toMatch(/会员活动、优惠券和新品通知/);
  expect(mine.body.texts.purposes.profiling.purpose).toMatch(/购买和浏览记录/);

  // Agreeing records the time (the server's clock) and the version of the words shown.
  const yes = await tb.app.request('PUT', '/api/v1/me/privacy/consents', {
    token: await shopperToken(tb.app, id),
    body: { marketing: true, version: mine.body.texts.version },
  });
  expect(yes.status).toBe(200);
  expect(yes.body.consents.marketing).toMatchObject({
    granted: true,
    source: 'recorded',
    channel: 'h5',
    version: mine.body.texts.version,
    at: new Date(clock).toISOString(),
  });

  // A page still showing older words cannot record a choice on them.
  const stale = await tb.app.request('PUT', '/api/v1/me/privacy/consents', {
    token: await shopperToken(tb.app, id),
    body: { profiling: true, version: '2020-01-01' },
  });
  expect(stale.status).toBe(409);
  expect(stale.body.error.code).toBe('PRIVACY_CONSENT_TEXT_CHANGED');
  expect(refusalInChinese(stale.body.error)).toBe('授权说明已更新，请刷新页面，阅读新的说明后再选择');
  expect((await s().privacy.consents.get(tb.tenantId, id)).profiling.granted).toBe(false);
});

test('a campaign reaches only those who agreed to marketing; the others show as skipped with their reason', async () => {
  const tag = (await s().tags.ensure(tb.tenantId, '活动', '同意测试')).id;
  const [agreed] = await tb.contacts(1, owner, tag, 'ya');
  const [silent] = await tb.contacts(1, owner, tag, 'si', { consent: false });
  const [withdrew] = await tb.contacts(1, owner, tag, 'wd');
  expect((await tb.app.request('PUT', '/api/v1/me/privacy/consents', { token: await shopperToken(tb.app, withdrew), body: { marketing: false } })).status).toBe(
    200,
  );

  const text = '同意才发：会员日满199减30';
  const p = await runCampaign('同意测试', await segment('同意测试', [{ type: 'tags', match: 'any', tagIds: [tag] }]), text);
  expect(p).toMatchObject({ counts: { total: 3, sent: 1, skipped: 2 }, skipped: { no_marketing_consent: 1, opted_out: 1 } });
  expect([...sentTo(tb.fake, text).keys()]).toEqual(['wmya000000']);
  expect([agreed, silent, withdrew]).toHaveLength(3);
});

test('a campaign picked by purchase figures (personalised marketing) also needs profiling consent', async () => {
  const tag = (await s().tags.ensure(tb.tenantId, '活动', '画像测试')).id;
  const [both] = await tb.contacts(1, owner, tag, 'pb');
  const [marketingOnly] = await tb.contacts(1, owner, tag, 'pm');
  await s().privacy.consents.set(tb.tenantId, both, 'profiling', true, 'h5', `shopper:${both}`);
  const text = '老客专享：回购立减';
  const rules = [
    { type: 'tags', match: 'any', tagIds: [tag] },
    { type: 'orders', metric: 'orderCount', min: 0 },
  ];
  const p = await runCampaign('画像测试', await segment('画像测试', rules), text);
  expect(p).toMatchObject({ counts: { total: 2, sent: 1, skipped: 1 }, skipped: { no_profiling_consent: 1 } });
  expect([...sentTo(tb.fake, text).keys()]).toEqual(['wmpb000000']);
  expect(marketingOnly).toEqual(expect.any(String));
});

test('a journey message goes only to those who agreed to marketing; the run says why it skipped the others', async () => {
  const tag = (await s().tags.ensure(tb.tenantId, '活动', '旅程测试')).id;
  const [agreed] = await tb.contacts(1, owner, tag, 'ja');
  const [silent] = await tb.contacts(1, owner, tag, 'js', { consent: false });
  const text = '感谢购买，期待您的评价';
  const journey = await api('POST', '/api/v1/journeys', {
    name: '购后关怀',
    trigger: { type: 'order.paid' },
    steps: [{ type: 'send', channel: 'wecom_group_msg', text }],
  });
  expect(journey.status).toBe(201);
  const order = (ext: string, id: string) => ({
    eventId: id,
    type: 'order.paid',
    occurredAt: new Date(clock).toISOString(),
    customer: { externalUserId: ext },
    data: { orderId: id, amount: 9_900 },
  });
  await s().events.ingest(tb.tenantId, [order('wmja000000', 'ja-1'), order('wmjs000000', 'js-1')]);
  await s().events.settle();
  for (let i = 0; i < 3; i++) await s().journeys.tick();
  const sendOutcome = async (id: string) => ((await s().journeys.runsForCustomer(tb.tenantId, id))[0] as any).log.find((l: any) => l.type === 'send')?.outcome;
  expect(await sendOutcome(agreed)).toMatch(/^sent/);
  expect(await sendOutcome(silent)).toBe('skipped: no_marketing_consent');
  expect([...sentTo(tb.fake, text).keys()]).toEqual(['wmja000000']);
});
