import { startTestApp, type TestApp } from '../support/harness.js';

/** A community manager keeps their audiences tidy: edit, duplicate, delete — and nothing in use is lost. */
let app: TestApp;
let manager: string;
const tenant = () => app.config.DEFAULT_TENANT;
const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => app.request(method, path, { token: manager, body, headers });
const byTag = (tagId: string) => ({ type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tagId] }] });
let vip: string;
let newbie: string;

beforeAll(async () => {
  app = await startTestApp();
  manager = (await app.staff('community_manager')).token;
  const s = app.rt.services;
  vip = (await s.tags.ensure(tenant(), '等级', 'VIP')).id;
  newbie = (await s.tags.ensure(tenant(), '等级', '新客')).id;
  for (const [phone, tags] of [
    ['13500000101', [vip]],
    ['13500000102', [vip]],
    ['13500000103', [newbie]],
  ] as const) {
    const id = await s.customers.identify(tenant(), { phone }, { name: phone });
    await s.customers.tag(tenant(), id, [...tags], []);
  }
});
afterAll(() => app.stop());

test('renaming and changing a dynamic segment’s audience shows the new count at once', async () => {
  const seg = (await api('POST', '/api/v1/segments', { name: '贵宾', audience: byTag(vip) })).body;
  expect(seg.memberCount ?? (await api('GET', `/api/v1/segments/${seg.id}`)).body.memberCount).toBe(2);
  const edited = await api('PATCH', `/api/v1/segments/${seg.id}`, { name: '新客群', audience: byTag(newbie) });
  expect(edited.status).toBe(200);
  expect(edited.body).toMatchObject({ id: seg.id, name: '新客群', memberCount: 1 });
  expect((await api('GET', `/api/v1/segments/${seg.id}`)).body).toMatchObject({ name: '新客群', memberCount: 1 });
});

test('a name already taken, an empty change and a snapshot’s audience are refused, and the segment stays as it was', async () => {
  const a = (await api('POST', '/api/v1/segments', { name: '甲', audience: byTag(vip) })).body;
  await api('POST', '/api/v1/segments', { name: '乙', audience: byTag(vip) });
  const taken = await api('PATCH', `/api/v1/segments/${a.id}`, { name: '乙' });
  expect(taken.status).toBe(409);
  expect(taken.body.error.code).toBe('SEGMENT_NAME_TAKEN');
  const empty = await api('PATCH', `/api/v1/segments/${a.id}`, {}, { 'accept-language': 'zh-CN' });
  expect(empty.status).toBe(400);
  expect(JSON.stringify(empty.body.error)).toContain('请至少修改名称、说明或人群条件中的一项');
  expect((await api('GET', `/api/v1/segments/${a.id}`)).body.name).toBe('甲');

  const frozen = (await api('POST', '/api/v1/segments', { name: '快照', audience: byTag(vip), mode: 'snapshot' })).body;
  const refused = await api('PATCH', `/api/v1/segments/${frozen.id}`, { audience: byTag(newbie) });
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('SEGMENT_SNAPSHOT_FROZEN');
  // A snapshot can still be renamed; its members stay frozen.
  expect((await api('PATCH', `/api/v1/segments/${frozen.id}`, { name: '快照-改名' })).body).toMatchObject({ name: '快照-改名', memberCount: 2 });
});

test('duplicating copies the audience under a new name; the copy is edited without touching the original', async () => {
  const original = (await api('POST', '/api/v1/segments', { name: '原件', description: '说明', audience: byTag(vip) })).body;
  const copy = await api('POST', `/api/v1/segments/${original.id}/duplicate`, { name: '原件 副本' });
  expect(copy.status).toBe(201);
  expect(copy.body).toMatchObject({ name: '原件 副本', description: '说明', audience: original.audience, mode: 'dynamic' });
  expect(copy.body.id).not.toBe(original.id);
  await api('PATCH', `/api/v1/segments/${copy.body.id}`, { audience: byTag(newbie) });
  expect((await api('GET', `/api/v1/segments/${original.id}`)).body.memberCount).toBe(2);
  expect((await api('POST', `/api/v1/segments/${original.id}/duplicate`, { name: '原件 副本' })).status).toBe(409);
});

test('a segment an open campaign sends to cannot be deleted (409 naming the campaign); once it is cancelled, it can', async () => {
  const seg = (await api('POST', '/api/v1/segments', { name: '双十二', audience: byTag(vip) })).body;
  const later = new Date(app.rt.services.deps.now().getTime() + 86_400_000).toISOString();
  const campaign = await api('POST', '/api/v1/broadcasts', {
    name: '双十二预热',
    channel: 'wecom_group_msg',
    segmentId: seg.id,
    content: { text: '预热' },
    schedule: { kind: 'at', at: later },
  });
  expect(campaign.status).toBe(201);
  // The list says which campaigns send to each segment before anyone tries to delete it.
  const listed = (await api('GET', '/api/v1/segments')).body.items.find((x: any) => x.id === seg.id);
  expect(listed.usage).toEqual({ campaigns: 1, open: [{ id: campaign.body.id, name: '双十二预热', status: 'scheduled' }] });
  const refused = await api('DELETE', `/api/v1/segments/${seg.id}`);
  expect(refused.status).toBe(409);
  expect(refused.body.error).toMatchObject({ code: 'SEGMENT_IN_USE', details: { name: '双十二', campaigns: '双十二预热' } });
  expect((await api('GET', `/api/v1/segments/${seg.id}`)).status).toBe(200);

  expect((await api('POST', `/api/v1/broadcasts/${campaign.body.id}/cancel`)).status).toBe(200);
  expect((await api('GET', '/api/v1/segments')).body.items.find((x: any) => x.id === seg.id).usage).toEqual({ campaigns: 1, open: [] });
  const deleted = await api('DELETE', `/api/v1/segments/${seg.id}`);
  expect(deleted.status).toBe(200);
  expect((await api('GET', `/api/v1/segments/${seg.id}`)).status).toBe(404);
  expect((await api('GET', '/api/v1/segments')).body.items.map((x: any) => x.id)).not.toContain(seg.id);
});
