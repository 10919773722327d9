import { startTestApp, type TestApp } from '../support/harness.js';
import { refusalInChinese } from '../../h5/src/modules/refusals.js';

/**
 * The pages say the server's refusals in Chinese by their code, filling `{name}`-style placeholders
 * from the refusal's details (h5/src/modules/refusals.ts). Here the server really refuses, and
 * the Chinese sentence a staff member would read is built from its answer: every placeholder filled,
 * with the name they typed.
 */
let app: TestApp;
let admin: string;
let manager: string;

beforeAll(async () => {
  app = await startTestApp();
  admin = (await app.staff('admin')).token;
  manager = (await app.staff('community_manager')).token;
});
afterAll(() => app.stop());

/** What the Chinese page shows for an error answer: the pages' own function (h5/src/modules/refusals.ts). */
const chinese = (body: { error: { code: string; message: string; details?: unknown } }) => refusalInChinese(body.error);

test('a wrong password reads 用户名或密码错误', async () => {
  const res = await app.request('POST', '/api/v1/auth/login', { body: { username: 'nobody-here', password: 'wrong-password' } });
  expect([res.status, chinese(res.body)]).toEqual([401, '用户名或密码错误']);
});

test('a name already taken names it: segments, journeys, canned replies, tags', async () => {
  const audience = { type: 'group', op: 'and', rules: [{ type: 'city', in: ['上海'] }] };
  expect((await app.request('POST', '/api/v1/segments', { token: manager, body: { name: '上海老客', audience } })).status).toBe(201);
  const seg = await app.request('POST', '/api/v1/segments', { token: manager, body: { name: '上海老客', audience } });
  expect([seg.status, chinese(seg.body)]).toEqual([409, '已有名为“上海老客”的人群，请换一个名称']);

  const tag = (await app.request('POST', '/api/v1/tags', { token: admin, body: { groupName: '等级', name: '金卡' } })).body;
  const other = (await app.request('POST', '/api/v1/tags', { token: admin, body: { groupName: '等级', name: '银卡' } })).body;
  const clash = await app.request('PATCH', `/api/v1/tags/${other.id}`, { token: admin, body: { name: tag.name } });
  expect([clash.status, chinese(clash.body)]).toEqual([409, '这个分组里已有同名标签']);

  const journey = { name: '新客欢迎', trigger: { type: 'order.paid' }, steps: [{ type: 'tag', tagId: tag.id }] };
  expect((await app.request('POST', '/api/v1/journeys', { token: manager, body: journey })).status).toBe(201);
  const again = await app.request('POST', '/api/v1/journeys', { token: manager, body: journey });
  expect([again.status, chinese(again.body)]).toEqual([409, '已有名为“新客欢迎”的旅程，请换一个名称']);

  const agent = (await app.staff('agent')).token;
  const canned = { title: '发货时间', text: '一般 48 小时内发货。' };
  expect((await app.request('POST', '/api/v1/desk/canned-replies', { token: agent, body: canned })).status).toBe(201);
  const dup = await app.request('POST', '/api/v1/desk/canned-replies', { token: agent, body: canned });
  expect([dup.status, chinese(dup.body)]).toEqual([409, '已有标题为“发货时间”的快捷回复，请换一个标题']);
});

test('a campaign scheduled in the past says to pick a future time', async () => {
  const seg = (
    await app.request('POST', '/api/v1/segments', {
      token: manager,
      body: { name: '北京客户', audience: { type: 'group', op: 'and', rules: [{ type: 'city', in: ['北京'] }] } },
    })
  ).body;
  const res = await app.request('POST', '/api/v1/broadcasts', {
    token: manager,
    body: {
      name: '过期的群发',
      segmentId: seg.id,
      channel: 'wecom_group_msg',
      content: { text: '你好' },
      schedule: { kind: 'at', at: new Date(Date.now() - 3_600_000).toISOString() },
    },
  });
  expect([res.status, chinese(res.body)]).toEqual([400, '定时发送的时间已过，请选择将来的时间或立即发送']);
});

test('a refused form reads in Chinese for a page that asks for Chinese, and stays English for an integrator', async () => {
  const body = { groupName: '渠道'.repeat(16), name: '' };
  const zh = await app.request('POST', '/api/v1/tags', { token: admin, body, headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
  expect(zh.status).toBe(400);
  expect(zh.body.error.details).toEqual([
    { path: 'body.groupName', message: '企业微信的标签名最多 30 个字符' },
    { path: 'body.name', message: '不能为空' },
  ]);
  expect(chinese(zh.body)).toBe('提交的内容有误：groupName：企业微信的标签名最多 30 个字符；name：不能为空');

  const en = await app.request('POST', '/api/v1/tags', { token: admin, body });
  expect(en.body.error.message).toMatch(/^Invalid body: groupName WeCom allows tag names up to 30 characters; name /);
  const english = await app.request('POST', '/api/v1/tags', { token: admin, body, headers: { 'accept-language': 'en' } });
  expect(english.body.error.message).toBe(en.body.error.message);
});
