import { startWecomTestbed, eventually, type WecomTestbed } from './wecom-harness.js';
import { WecomCallbackModel } from '../../../server/src/wecom/wecom-callback.model.js';

let tb: WecomTestbed;
beforeAll(async () => {
  tb = await startWecomTestbed();
});
afterAll(() => tb.stop());

const callbackCount = () => WecomCallbackModel.countDocuments({});

test('the URL check WeCom makes when the callback URL is saved is answered with the decrypted echostr', async () => {
  const r = await tb.fake.verifyUrl();
  expect(r.status).toBe(200);
  expect(r.body).toBe(r.expected);
});

test('a URL check with a forged signature is refused with 401', async () => {
  const res = await fetch(`${tb.app.url}/wecom/callback?msg_signature=${'0'.repeat(40)}&timestamp=${Math.floor(Date.now() / 1000)}&nonce=x&echostr=abc`);
  expect(res.status).toBe(401);
});

test('a forged signature is refused with 401 and nothing is stored', async () => {
  const before = await callbackCount();
  const d = await tb.fake.sendEvent(
    { Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'x', ExternalUserID: 'wm1' },
    { token: 'not-our-token' },
  );
  expect(d.status).toBe(401);
  expect(JSON.parse(d.response).error.message).toMatch(/msg_signature/);
  expect(await callbackCount()).toBe(before);
});

test('a message encrypted for another corp (wrong receiveid) is refused with 401 and nothing is stored', async () => {
  const before = await callbackCount();
  const d = await tb.fake.sendEvent(
    { Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'x', ExternalUserID: 'wm2' },
    { receiveId: 'ww-some-other-corp' },
  );
  expect(d.status).toBe(401);
  expect(JSON.parse(d.response).error.message).toMatch(/another corp/);
  expect(await callbackCount()).toBe(before);
});

test('a callback whose timestamp is more than 5 minutes old is refused with 401', async () => {
  const before = await callbackCount();
  const d = await tb.fake.sendEvent(
    { Event: 'change_external_tag', ChangeType: 'create', Id: 'et1', TagType: 'tag' },
    { timestamp: Math.floor(Date.now() / 1000) - 301 },
  );
  expect(d.status).toBe(401);
  expect(JSON.parse(d.response).error.message).toMatch(/5 minutes/);
  expect(await callbackCount()).toBe(before);
});

test('a tampered body, or one without Encrypt, is refused and nothing is stored', async () => {
  const before = await callbackCount();
  const d = await tb.fake.sendEvent({ Event: 'change_external_tag', ChangeType: 'create', Id: 'et2', TagType: 'tag' });
  const tampered = d.body.replace(/<Encrypt><!\[CDATA\[(.)/, (_m, c) => `<Encrypt><![CDATA[${c === 'A' ? 'B' : 'A'}`);
  const res = await fetch(d.url, { method: 'POST', body: tampered });
  expect(res.status).toBe(401);
  const empty = await fetch(d.url, { method: 'POST', body: '<xml><ToUserName>x</ToUserName></xml>' });
  expect(empty.status).toBe(400);
  expect(await callbackCount()).toBe(before + 1); // only the genuine delivery
});

test('a customer adding a staff member becomes a profile owned by that staff member, with unionid, and the relation is active', async () => {
  const sales = await tb.staff('wangwu', 'sales', '王五');
  const { externalUserId, delivery } = await tb.fake.addFriend('wangwu', { name: '李雷', unionid: 'union-lilei', gender: 1 });
  expect(delivery.status).toBe(200);
  expect(delivery.response).toBe('success');
  const svc = tb.app.rt.services.customers;
  const id = await eventually(async () => {
    const found = await svc.findByIdentity(tb.tenantId, { externalUserId });
    if (!found) throw new Error('not yet');
    return found;
  });
  const profile = await eventually(async () => {
    const res = await tb.app.request('GET', `/api/v1/customers/${id}`, { token: sales.token });
    expect(res.status).toBe(200);
    expect(res.body.wecom.relation).toBe('active');
    return res.body;
  });
  expect(profile).toMatchObject({ name: '李雷', gender: 'male', ownerStaffId: sales.id });
  expect(profile.followerStaffIds).toContain(sales.id);
  expect(profile.identities.map((i: any) => i.type).sort()).toEqual(['externalUserId', 'unionId']);
  // The same person known by unionid from elsewhere is the same profile.
  expect(await svc.findByIdentity(tb.tenantId, { unionId: 'union-lilei' })).toBe(id);
});

test('WeCom retrying the same callback (a replay) is answered success but processed once', async () => {
  await tb.staff('zhaoliu', 'sales');
  const first = await tb.fake.addFriend('zhaoliu', { name: '韩梅梅' });
  const before = await callbackCount();
  const again = await tb.fake.redeliver(first.delivery);
  expect(again.status).toBe(200);
  expect(again.response).toBe('success');
  expect(await callbackCount()).toBe(before);
  await eventually(async () => {
    const cb = await WecomCallbackModel.findOne({ 'data.ExternalUserID': first.externalUserId }).lean();
    expect(cb?.status).toBe('done');
  });
  expect(await WecomCallbackModel.countDocuments({ 'data.ExternalUserID': first.externalUserId })).toBe(1);
});

test("the local WeCom's control routes (for trying it by hand) send the same signed callbacks: a customer who leaves shows up as lost", async () => {
  const sales = await tb.staff('sunqi', 'sales', '孙七');
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${tb.fake.url}/__fake/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const added = await post('simulate/add-friend', { userid: 'sunqi', name: '路人甲' });
  expect(added.body.callbackStatus).toBe(200);
  const { externalUserId } = added.body;
  const id = await eventually(async () => {
    const found = await tb.app.rt.services.customers.findByIdentity(tb.tenantId, { externalUserId });
    if (!found) throw new Error('not yet');
    return found;
  });
  const group = await post('simulate/create-group', { owner: 'sunqi', name: '试用群', members: [externalUserId] });
  expect(group.body.chatId).toMatch(/^wr/);
  expect((await post('simulate/customer-deletes-staff', { userid: 'sunqi', externalUserId })).body.callbackStatus).toBe(200);
  await eventually(async () => {
    const p = await tb.app.request('GET', `/api/v1/customers/${id}`, { token: sales.token });
    expect(p.body.wecom.relation).toBe('lost');
  });
  await eventually(async () => {
    const groups = (await tb.app.request('GET', '/api/v1/wecom/groups', { token: sales.token })).body.items;
    expect(groups.find((g: any) => g.chatId === group.body.chatId)).toMatchObject({ name: '试用群', memberCount: 2 });
  });
  // A mistake in the request is a 400 that says what is missing, not a crash of the fake.
  const bad = await post('simulate/join-group', { chatId: 'wr-nope', externalUserId });
  expect(bad).toMatchObject({ status: 400, body: { error: 'fake WeCom: no group wr-nope' } });
  expect((await post('simulate/dismiss-group', {})).body.error).toBe('chatId is required');
});
