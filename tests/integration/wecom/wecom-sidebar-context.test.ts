import { startWecomTestbed, type WecomTestbed } from './wecom-harness.js';

/**
 * The sidebar opened from a WeCom chat's toolbar knows only an id: the single chat's external_userid
 * (getCurExternalContact) or the group chat's chat_id (getCurExternalChat). These turn it into what the
 * sales member needs, asking WeCom when the contact or group has not reached us yet.
 */
let bed: WecomTestbed;
let mei: { id: string; token: string };
let li: { id: string; token: string };

beforeAll(async () => {
  bed = await startWecomTestbed();
  mei = await bed.staff('xiaomei', 'sales', '小美');
  li = await bed.staff('xiaoli', 'sales', '小李');
});
afterAll(() => bed?.stop());

const get = (path: string, token: string) => bed.app.request('GET', `/api/v1/wecom/sidebar${path}`, { token });
const nowSeconds = () => Math.floor(Date.now() / 1000);

test('a chat with a contact we have not synced yet opens their profile: WeCom is asked only the first time, and only the staff member they follow may open it', async () => {
  const c = bed.fake.corp.upsertContact({ name: '未同步的阿杰', gender: 1 });
  bed.fake.corp.follow('xiaomei', c.external_userid, { remark_mobiles: ['13812340000'] });
  const before = bed.fake.callsTo('externalcontact/get').length;

  const res = await get(`/contact/${c.external_userid}`, mei.token);
  expect(res.status).toBe(200);
  const profile = await bed.app.request('GET', `/api/v1/customers/${res.body.customerId}`, { token: mei.token });
  expect(profile.body).toMatchObject({ name: '未同步的阿杰', gender: 'male', phone: '13812340000', ownerStaffId: mei.id });

  // Asked once (a stale access token from another run's local WeCom in the shared Redis can add a
  // retried call to the first open); the second open is answered from our own copy.
  const afterFirst = bed.fake.callsTo('externalcontact/get').length;
  expect(afterFirst).toBeGreaterThan(before);
  const again = await get(`/contact/${c.external_userid}`, mei.token);
  expect(again.body.customerId).toBe(res.body.customerId);
  expect(bed.fake.callsTo('externalcontact/get').length).toBe(afterFirst);

  // 小李 does not follow 阿杰: his sidebar cannot open the profile by guessing the id.
  const notMine = await get(`/contact/${c.external_userid}`, li.token);
  expect(notMine.status).toBe(404);
  expect(notMine.body.error.message).toMatch(/another staff member’s book/);
  expect(JSON.stringify(notMine.body)).not.toContain(res.body.customerId);
  const unknown = await get('/contact/wmNOSUCHCONTACT000', mei.token);
  expect(unknown.status).toBe(404);
  expect(unknown.body.error.message).toMatch(/WeCom contact/);
});

test('a group chat shows its members as customers — buyers first, who joined this week, what the caller may open — and only to staff in the group', async () => {
  const buyer = await bed.fake.addFriend('xiaomei', { name: '老顾客王姐' });
  const buyerId = (await get(`/contact/${buyer.externalUserId}`, mei.token)).body.customerId;
  const { key } = await bed.app.rt.services.staff.createApiKey(bed.tenantId, 'shop');
  const paid = await bed.app.request('POST', '/api/v1/events', {
    headers: { 'x-api-key': key },
    body: {
      events: [
        {
          eventId: `o-${buyerId}`,
          type: 'order.paid',
          customer: { externalUserId: buyer.externalUserId },
          occurredAt: new Date().toISOString(),
          data: { orderId: `O-${buyerId}`, amount: 25_800 },
        },
      ],
    },
  });
  expect(paid.status).toBe(200);
  await bed.app.settle();
  const stranger = bed.fake.corp.upsertContact({ name: '群里的新朋友' });
  const at = nowSeconds();
  // The group exists in WeCom only (its create callback not delivered): the sidebar asks groupchat/get.
  bed.fake.corp.groups.set('wrSIDEBARGROUP01', {
    chat_id: 'wrSIDEBARGROUP01',
    name: '护肤交流群',
    owner: 'xiaomei',
    create_time: at - 30 * 86_400,
    status: 0,
    admin_list: [],
    notice: '每周三上新',
    member_list: [
      { userid: 'xiaomei', type: 1, join_time: at - 30 * 86_400, join_scene: 1, name: '小美' },
      { userid: buyer.externalUserId, type: 2, join_time: at - 20 * 86_400, join_scene: 1, invitor: { userid: 'xiaomei' }, name: '老顾客王姐' },
      { userid: stranger.external_userid, type: 2, join_time: at - 86_400, join_scene: 3, invitor: { userid: 'xiaomei' }, name: '群里的新朋友' },
    ],
  } as any);

  const res = await get('/group/wrSIDEBARGROUP01', mei.token);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    name: '护肤交流群',
    notice: '每周三上新',
    owner: { name: '小美' },
    memberCount: 3,
    staffCount: 1,
    customerCount: 2,
    buyers: 1,
    joinedThisWeek: 1,
  });
  expect(res.body.customers.map((c: any) => [c.name, c.totalPaid, c.open])).toEqual([
    ['老顾客王姐', 25_800, true],
    ['群里的新朋友', 0, false],
  ]);
  expect(res.body.customers[0].customerId).toBe(buyerId);

  // 小李 is not in the group; a community manager sees it with names masked.
  expect((await get('/group/wrSIDEBARGROUP01', li.token)).status).toBe(404);
  const manager = await bed.staff('ops_zheng', 'community_manager');
  const asManager = await get('/group/wrSIDEBARGROUP01', manager.token);
  expect(asManager.body.customers.map((c: any) => c.name)).toEqual(['老***姐', '群****友']);
  expect((await get('/group/wrNOSUCHGROUP', mei.token)).status).toBe(404);
});

test('asking for chats WeCom does not know answers 404 and leaves no customer group behind', async () => {
  const groups = () => bed.app.rt.services.customerGroups.groups.list(bed.tenantId);
  const before = (await groups()).length;
  for (const chatId of ['wrNEVERWAS01', 'wrNEVERWAS02', 'x'.repeat(128)]) expect((await get(`/group/${chatId}`, mei.token)).status).toBe(404);
  expect((await groups()).length).toBe(before);
});
