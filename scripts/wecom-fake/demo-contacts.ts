import type { Runtime } from '../../server/src/runtime.js';
import { CustomerModel } from '../../server/src/modules/customers/customer.model.js';
import { CustomerGroupModel } from '../../server/src/modules/customer-groups/customer-group.model.js';
import { prng } from '../seed/demo-people.js';
import { DEMO_LOGINS } from '../seed/seed-demo.js';
import type { FakeWecom } from './fake-wecom.js';

const DAY_S = 86_400;
/** The share of the demo's shoppers their sales rep already has as a WeCom contact. */
const CONTACT_SHARE = 0.4;
const GROUPS = [
  { name: '会员福利群①', members: 60 },
  { name: '新品体验官群', members: 35 },
];

/**
 * A brand that connects the SCRM already has customers on WeCom: its sales reps added many shoppers
 * over the past year, with the shopper's phone in 备注手机号, and run a couple of customer groups.
 * The local WeCom is told so, and the product's full sync (externalcontact/batch/get_by_user and
 * groupchat/list + get) brings them in as a brand's first sync would: profiles gain their WeCom
 * relation by phone, and campaigns have people to reach.
 */
export async function seedWecomContacts(local: FakeWecom, rt: Runtime): Promise<{ contacts: number; groups: number }> {
  const s = rt.services;
  const tenantId = s.deps.config.DEFAULT_TENANT;
  const staff = (await s.staff.list(tenantId)).filter((x) => x.role === 'sales' && x.wecomUserId);
  const userOf = new Map(staff.map((x) => [x.id, x.wecomUserId!]));
  const rand = prng(20261208);
  const now = Math.floor(s.deps.now().getTime() / 1000);
  const people = await CustomerModel.find(
    { tenantId, ownerStaffId: { $in: [...userOf.keys()] }, phone: { $exists: true } },
    { name: 1, phone: 1, gender: 1, ownerStaffId: 1 },
  )
    .sort({ _id: 1 })
    .lean();
  const byOwner = new Map<string, string[]>();
  for (const p of people) {
    if (rand() >= CONTACT_SHARE) continue;
    const userid = userOf.get(String(p.ownerStaffId))!;
    const contact = local.corp.upsertContact({ name: p.name ?? '微信用户', gender: p.gender === 'male' ? 1 : p.gender === 'female' ? 2 : 0 });
    local.corp.follow(userid, contact.external_userid, {
      createtime: now - Math.floor(rand() * 300 * DAY_S),
      remark_mobiles: [p.phone!],
      add_way: rand() < 0.5 ? 1 : 3,
    });
    if (!byOwner.has(userid)) byOwner.set(userid, []);
    byOwner.get(userid)!.push(contact.external_userid);
  }
  const owners = [...byOwner.keys()];
  GROUPS.forEach((g, i) => {
    const owner = owners[i % owners.length];
    const members = (byOwner.get(owner) ?? []).slice(i * 10, i * 10 + g.members);
    const created = now - (120 - i * 40) * DAY_S;
    const chat_id = `wrDemoGroup${i + 1}`;
    local.corp.groups.set(chat_id, {
      chat_id,
      name: g.name,
      owner,
      create_time: created,
      status: 0,
      admin_list: [],
      member_list: [
        { userid: owner, type: 1, join_time: created, join_scene: 1 },
        ...members.map((m) => ({
          userid: m,
          type: 2 as const,
          join_time: created + Math.floor(rand() * 90 * DAY_S),
          join_scene: 3,
          invitor: { userid: owner },
          name: local.corp.contacts.get(m)?.contact.name,
        })),
      ],
    });
  });
  const started = await s.wecom.fullSync.start(tenantId);
  // The job is queued for the worker too; running it here means the first look already shows them.
  await s.wecom.fullSync.run(started.id);
  const done = await s.wecom.fullSync.progress(tenantId);
  return { contacts: done?.contacts ?? 0, groups: done?.groups ?? 0 };
}

/**
 * What a community manager did before the demo starts, through the API as the console does: an
 * audience, a member-day campaign to it (sent at once: the local WeCom's staff confirm after 5 s, so
 * the 群发 page shows it going out and its results), a post to the customer groups, and next week's
 * campaign scheduled.
 */
export async function seedDemoCampaigns(rt: Runtime): Promise<string[]> {
  const s = rt.services;
  const tenantId = s.deps.config.DEFAULT_TENANT;
  const call = async <T = { id: string }>(token: string | undefined, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${rt.url}/api/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T & { error?: unknown };
    if (!res.ok) throw new Error(`demo campaigns: ${method} ${path} answered ${res.status}: ${JSON.stringify(json.error ?? json)}`);
    return json;
  };
  const manager = DEMO_LOGINS.staff.find((x) => x.role === 'community_manager')!;
  const { token } = await call<{ token: string }>(undefined, 'POST', '/auth/login', { username: manager.username, password: DEMO_LOGINS.password });
  const keen = await s.tags.ensure(tenantId, '客户意向', '高意向');
  const segment = await call(token, 'POST', '/segments', {
    name: '高意向 · 企微好友',
    description: '打了“高意向”标签、已加企业微信的客户',
    audience: {
      type: 'group',
      op: 'and',
      rules: [
        { type: 'tags', match: 'any', tagIds: [keen.id] },
        { type: 'wecomRelation', in: ['active'] },
      ],
    },
  });
  const created: string[] = [];
  const memberDay = await call(token, 'POST', '/broadcasts', {
    name: '12·12 会员日预告',
    channel: 'wecom_group_msg',
    segmentId: segment.id,
    content: {
      text: '{name}，12·12 会员日全场满 299 减 50，会员再享积分双倍，别错过～',
      link: { title: '会员日主会场', url: 'https://shop.example.com/1212', desc: '限时 3 天' },
    },
  });
  created.push(memberDay.id);
  const groups = (await CustomerGroupModel.find({ tenantId, status: 'active' }, { chatId: 1 }).lean()).map((g) => g.chatId);
  if (groups.length) {
    const post = await call(token, 'POST', '/broadcasts', {
      name: '群福利 · 周末抽奖',
      channel: 'wecom_group_chat',
      chatIds: groups,
      content: { text: '本周六晚 8 点群内抽奖，奖品是修护精华液正装，记得来哦！' },
    });
    created.push(post.id);
  }
  const nextWeek = new Date(s.deps.now().getTime() + 7 * DAY_S * 1000);
  nextWeek.setUTCHours(2, 0, 0, 0); // 10:00 in Shanghai
  const later = await call(token, 'POST', '/broadcasts', {
    name: '年终回馈 · 老客专享',
    channel: 'wecom_group_msg',
    segmentId: segment.id,
    content: { text: '{name}，感谢这一年的陪伴，年终回馈专场为老客准备了专属好礼。', link: { title: '年终回馈', url: 'https://shop.example.com/thanks' } },
    schedule: { kind: 'at', at: nextWeek.toISOString() },
    window: { start: '09:00', end: '21:00', timezone: 'Asia/Shanghai' },
  });
  created.push(later.id);
  return created;
}
