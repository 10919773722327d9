import { FakeCorp, id, nowSeconds } from './fake-corp.js';
import { groupMsgHandlers } from './fake-groupmsg.js';
import { transferHandlers } from './fake-transfer.js';
import { kfHandlers } from './fake-kf.js';
import { FakeError, badParam, fail, ok, page, type Handler } from './fake-reply.js';
import type {
  AddCorpTagBody,
  BatchGetByUserBody,
  ContactWayBody,
  CorpTagIdsBody,
  EditCorpTagBody,
  GroupChatGetBody,
  GroupChatListBody,
  MarkTagBody,
  RemarkBody,
  WelcomeBody,
} from './fake-requests.js';

export { FakeError };

/**
 * WeCom's server API over the fake corp: the same paths, JSON shapes, errcodes and cursor paging as
 * https://qyapi.weixin.qq.com/cgi-bin/. Every handler returns the JSON body (errcode 0 on success).
 */
function requireContact(corp: FakeCorp, externalUserId: unknown) {
  const c = corp.contacts.get(String(externalUserId ?? ''));
  if (!c || c.follows.size === 0) fail(84061, 'not external contact');
  return c!;
}

function followOf(corp: FakeCorp, userid: unknown, externalUserId: unknown) {
  const f = requireContact(corp, externalUserId).follows.get(String(userid ?? ''));
  if (!f) fail(84061, 'not external contact');
  return f!;
}

const followUser = (corp: FakeCorp, f: ReturnType<typeof followOf>) => {
  const { tagIds: _t, ...rest } = f;
  return { ...rest, tags: corp.followTags(f) };
};

export const handlers: Record<string, Handler> = {
  // https://developer.work.weixin.qq.com/document/path/91039 (获取access_token): 40013 unknown corpid, 40001 wrong secret
  'GET gettoken': (corp, { query }) => {
    corp.gettokenCalls += 1;
    if (query.corpid !== corp.corpId) fail(40013, 'invalid corpid');
    if (query.corpsecret !== corp.secret) fail(40001, 'invalid credential');
    const token = id('tok_', 24);
    corp.tokens.set(token, nowSeconds() + corp.tokenTtlSeconds);
    return ok({ access_token: token, expires_in: corp.tokenTtlSeconds });
  },

  // https://developer.work.weixin.qq.com/document/path/92571 (获取配置了客户联系功能的成员列表)
  'GET externalcontact/get_follow_user_list': (corp) => ok({ follow_user: [...corp.staff.keys()].filter((u) => !corp.resigned.has(u)) }),

  // https://developer.work.weixin.qq.com/document/path/92113 (获取客户列表)
  'GET externalcontact/list': (corp, { query }) => {
    if (!corp.staff.has(query.userid)) fail(60111, 'invalid userid');
    const ids = [...corp.contacts.values()].filter((c) => c.follows.has(query.userid)).map((c) => c.contact.external_userid);
    return ok({ external_userid: ids });
  },

  // https://developer.work.weixin.qq.com/document/path/92114 (获取客户详情): 84061 when nobody in the corp follows the contact
  'GET externalcontact/get': (corp, { query }) => {
    const c = requireContact(corp, query.external_userid);
    return ok({ external_contact: c.contact, follow_user: [...c.follows.values()].map((f) => followUser(corp, f)), next_cursor: '' });
  },

  // https://developer.work.weixin.qq.com/document/path/92994 (批量获取客户详情): 1–100 userids, limit ≤ 100
  'POST externalcontact/batch/get_by_user': (corp, { body: raw }) => {
    const body = raw as BatchGetByUserBody;
    const users: string[] = Array.isArray(body.userid_list) ? body.userid_list : [];
    if (!users.length || users.length > 100) badParam('userid_list must name 1 to 100 users');
    const limit = Number(body.limit ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) badParam('limit must be 1..100');
    const rows = [...corp.contacts.values()].flatMap((c) =>
      users
        .filter((u) => c.follows.has(u))
        .map((u) => {
          const { tagIds, ...f } = c.follows.get(u)!;
          return { external_contact: c.contact, follow_info: { ...f, tag_id: tagIds } };
        }),
    );
    const { slice, next } = page(rows, body.cursor, limit);
    return ok({ external_contact_list: slice, next_cursor: next });
  },

  // 修改客户备注信息: https://developer.work.weixin.qq.com/document/path/92115 (self-built apps; 96317 for
  // third-party ones) — remark (≤ 20 chars), description (≤ 150), remark_mobiles replaces the old numbers
  // and [""] clears them; remark, description, remark_company, remark_mobiles and remark_pic_mediaid may
  // not all be empty.
  'POST externalcontact/remark': (corp, { body: raw }) => {
    const body = raw as RemarkBody;
    const f = followOf(corp, body.userid, body.external_userid);
    const given = (v: unknown) => (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null && v !== '');
    if (!(['remark', 'description', 'remark_company', 'remark_mobiles', 'remark_pic_mediaid'] as const).some((k) => given(body[k])))
      badParam('remark, description, remark_company, remark_mobiles or remark_pic_mediaid');
    if (typeof body.remark === 'string' && [...body.remark].length > 20) fail(40058, 'invalid Request Parameter: remark longer than 20');
    if (typeof body.description === 'string' && [...body.description].length > 150) fail(40058, 'invalid Request Parameter: description longer than 150');
    if (body.remark !== undefined) f.remark = body.remark;
    if (body.description !== undefined) f.description = body.description;
    if (body.remark_mobiles !== undefined) f.remark_mobiles = (body.remark_mobiles as string[]).filter((m) => m !== '');
    return ok();
  },

  // https://developer.work.weixin.qq.com/document/path/92117 (管理企业标签: get_corp_tag_list, add/edit/del_corp_tag); names ≤ 30 chars, 40071 duplicate
  'POST externalcontact/get_corp_tag_list': (corp, { body: raw }) => {
    const body = raw as CorpTagIdsBody;
    const tagIds: string[] = body.tag_id ?? [];
    const groupIds: string[] = body.group_id ?? [];
    let groups = corp.tagGroups.map((g) => ({ ...g, tag: [...g.tag] }));
    if (groupIds.length) groups = groups.filter((g) => groupIds.includes(g.group_id));
    else if (tagIds.length) groups = groups.map((g) => ({ ...g, tag: g.tag.filter((t) => tagIds.includes(t.id)) })).filter((g) => g.tag.length);
    return ok({ tag_group: groups });
  },

  // https://developer.work.weixin.qq.com/document/path/92117
  'POST externalcontact/add_corp_tag': (corp, { body: raw }) => {
    const body = raw as AddCorpTagBody;
    const tags: Array<{ name: string; order?: number }> = body.tag ?? [];
    if (!tags.length) badParam('tag');
    let group = body.group_id ? corp.tagGroups.find((g) => g.group_id === body.group_id) : corp.tagGroups.find((g) => g.group_name === body.group_name);
    if (body.group_id && !group) fail(40068, 'invalid tagid');
    if (!group) {
      if (!body.group_name) badParam('group_name');
      group = { group_id: id('et', 10), group_name: body.group_name, create_time: nowSeconds(), order: body.order ?? 0, tag: [] };
      corp.tagGroups.push(group);
    }
    const created = [];
    for (const t of tags) {
      if (!t.name || t.name.length > 30) badParam('tag name');
      if (group.tag.some((x) => x.name === t.name)) fail(40071, 'UserTag Name Already Exist');
      const tag = { id: id('et', 12), name: t.name, create_time: nowSeconds(), order: t.order ?? 0 };
      group.tag.push(tag);
      created.push(tag);
    }
    return ok({ tag_group: { group_id: group.group_id, group_name: group.group_name, create_time: group.create_time, order: group.order, tag: created } });
  },

  // https://developer.work.weixin.qq.com/document/path/92117
  'POST externalcontact/edit_corp_tag': (corp, { body: raw }) => {
    const body = raw as EditCorpTagBody;
    const group = corp.tagGroups.find((g) => g.group_id === body.id);
    const hit = group ? undefined : corp.tagById(body.id ?? '');
    if (!group && !hit) fail(40068, 'invalid tagid');
    const target = group ?? hit!.tag;
    if (body.name !== undefined) {
      if ('group_name' in target) target.group_name = body.name;
      else target.name = body.name;
    }
    if (body.order !== undefined) target.order = body.order;
    return ok();
  },

  // https://developer.work.weixin.qq.com/document/path/92117
  'POST externalcontact/del_corp_tag': (corp, { body: raw }) => {
    const body = raw as CorpTagIdsBody;
    const tagIds: string[] = body.tag_id ?? [];
    const groupIds: string[] = body.group_id ?? [];
    if (!tagIds.length && !groupIds.length) badParam('tag_id or group_id');
    // An id WeCom does not have (never existed, or deleted already) is refused.
    if (tagIds.some((t) => !corp.tagById(t)) || groupIds.some((g) => !corp.tagGroups.some((x) => x.group_id === g))) fail(40068, 'invalid tagid/groupid');
    corp.deleteCorpTags(tagIds, groupIds);
    return ok();
  },

  // 编辑客户企业标签: https://developer.work.weixin.qq.com/document/path/92118 (self-built apps; 92697 for
  // third-party ones) — add_tag and remove_tag may not both be empty; a tag id the corp does not have is
  // refused (40068).
  'POST externalcontact/mark_tag': (corp, { body: raw }) => {
    const body = raw as MarkTagBody;
    const f = followOf(corp, body.userid, body.external_userid);
    const add: string[] = body.add_tag ?? [];
    const remove: string[] = body.remove_tag ?? [];
    if (!add.length && !remove.length) badParam('add_tag or remove_tag');
    for (const t of [...add, ...remove]) if (!corp.tagById(t)) fail(40068, 'invalid tagid');
    f.tagIds = [...new Set([...f.tagIds.filter((t) => !remove.includes(t)), ...add])];
    return ok();
  },

  // https://developer.work.weixin.qq.com/document/path/92228 (客户联系「联系我」管理): type 1 one member,
  // type 2 at most 100; state at most 30 characters.
  'POST externalcontact/add_contact_way': (corp, { body: raw, base }) => {
    const body = raw as ContactWayBody;
    if (![1, 2].includes(body.type ?? 0) || ![1, 2].includes(body.scene ?? 0)) badParam('type/scene');
    if (body.state && String(body.state).length > 30) fail(40058, 'invalid Request Parameter: state longer than 30');
    const users: string[] = body.user ?? [];
    if (!users.length || (body.type === 1 && users.length > 1)) badParam('user');
    if (users.length > 100) badParam('user: at most 100 members');
    for (const u of users) if (!corp.staff.has(u)) fail(60111, 'invalid userid');
    const config_id = id('', 16);
    const qr_code = body.scene === 2 ? `${base}__fake/qr/${config_id}.png` : undefined;
    corp.contactWays.set(config_id, {
      config_id,
      qr_code,
      type: body.type!,
      scene: body.scene!,
      style: body.style,
      remark: body.remark,
      skip_verify: body.skip_verify ?? true,
      state: body.state,
      user: users,
      party: body.party ?? [],
    });
    return ok({ config_id, qr_code });
  },

  // https://developer.work.weixin.qq.com/document/path/92228 (客户联系「联系我」管理)
  'POST externalcontact/get_contact_way': (corp, { body: raw }) => {
    const body = raw as ContactWayBody;
    const way = corp.contactWays.get(body.config_id ?? '') ?? fail(40058, 'invalid Request Parameter: config_id');
    return ok({ contact_way: way });
  },

  // https://developer.work.weixin.qq.com/document/path/92228
  'POST externalcontact/update_contact_way': (corp, { body: raw }) => {
    const body = raw as ContactWayBody;
    const way = corp.contactWays.get(body.config_id ?? '') ?? fail(40058, 'invalid Request Parameter: config_id');
    if (body.state && String(body.state).length > 30) fail(40058, 'invalid Request Parameter: state longer than 30');
    if ((body.user ?? []).length > 100) badParam('user: at most 100 members');
    for (const u of body.user ?? []) if (!corp.staff.has(u)) fail(60111, 'invalid userid');
    for (const k of ['remark', 'skip_verify', 'style', 'state', 'user', 'party'] as const) if (body[k] !== undefined) Object.assign(way, { [k]: body[k] });
    return ok();
  },

  // https://developer.work.weixin.qq.com/document/path/92228
  'POST externalcontact/del_contact_way': (corp, { body: raw }) => {
    const body = raw as ContactWayBody;
    if (!corp.contactWays.delete(body.config_id ?? '')) fail(40058, 'invalid Request Parameter: config_id');
    return ok();
  },

  // https://developer.work.weixin.qq.com/document/path/92137 (发送新客户欢迎语): a code is valid for 20 s
  // and once; an unknown or expired code is 41050, a used one 41051.
  'POST externalcontact/send_welcome_msg': (corp, { body: raw }) => {
    const body = raw as WelcomeBody;
    const code = corp.welcomeCodes.get(body.welcome_code ?? '');
    if (!code) fail(41050, 'invalid welcome_code');
    if (code!.used) fail(41051, 'welcome_code has been used');
    if (nowSeconds() - code!.issuedAt > corp.welcomeWindowSeconds) fail(41050, 'invalid welcome_code');
    if (!body.text?.content && !(body.attachments ?? []).length) badParam('text or attachments');
    code!.used = true;
    corp.welcomesSent.push({
      welcome_code: body.welcome_code!,
      userid: code!.userid,
      external_userid: code!.external_userid,
      text: body.text,
      attachments: body.attachments,
      at: nowSeconds(),
    });
    return ok();
  },

  ...groupMsgHandlers,
  ...transferHandlers,
  ...kfHandlers,
  // https://developer.work.weixin.qq.com/document/path/92120 (获取客户群列表): owner_filter.userid_list
  // names at most 100 owners; without it, more than 1,000 members visible to the app is 81017.
  'POST externalcontact/groupchat/list': (corp, { body: raw }) => {
    const body = raw as GroupChatListBody;
    const limit = Number(body.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) badParam('limit must be 1..1000');
    const owners: string[] | undefined = body.owner_filter?.userid_list?.length ? body.owner_filter.userid_list : undefined;
    if (owners && owners.length > 100) badParam('owner_filter.userid_list: at most 100');
    if (!owners && corp.staff.size > 1000) fail(81017, 'too many users in the app visible range; use owner_filter');
    const rows = [...corp.groups.values()].filter((g) => !owners || owners.includes(g.owner)).map((g) => ({ chat_id: g.chat_id, status: g.status }));
    const { slice, next } = page(rows, body.cursor, limit);
    return ok({ group_chat_list: slice, next_cursor: next });
  },

  // https://developer.work.weixin.qq.com/document/path/92122 (获取客户群详情)
  'POST externalcontact/groupchat/get': (corp, { body: raw }) => {
    const body = raw as GroupChatGetBody;
    const g = corp.groups.get(body.chat_id ?? '') ?? fail(40050, 'chatid not found');
    const { status: _s, ...group_chat } = g;
    return ok({ group_chat });
  },

  // https://developer.work.weixin.qq.com/document/path/90506 (JS-SDK的页面签名: 企业的jsapi_ticket)
  'GET get_jsapi_ticket': (corp) => {
    corp.tickets.jsapi += 1;
    return ok({ ticket: id('jsapi_', 16), expires_in: 7200 });
  },

  // https://developer.work.weixin.qq.com/document/path/90506 (应用的jsapi_ticket, type=agent_config)
  'GET ticket/get': (corp, { query }) => {
    if (query.type !== 'agent_config') badParam('type');
    corp.tickets.agent += 1;
    return ok({ ticket: id('agent_', 16), expires_in: 7200 });
  },

  // https://developer.work.weixin.qq.com/document/path/91023 (获取访问用户身份): 40029 unknown or used code
  'GET auth/getuserinfo': (corp, { query }) => {
    const userid = corp.oauthCodes.get(query.code);
    if (!userid) fail(40029, 'invalid code');
    corp.oauthCodes.delete(query.code);
    return ok({ userid, user_ticket: id('ut_', 8) });
  },
};

/** Token check as WeCom does it: unknown token 40014, expired 42001. */
export function checkToken(corp: FakeCorp, token: string | undefined): void {
  if (!token) fail(41001, 'access_token missing');
  const exp = corp.tokens.get(token!);
  if (exp === undefined) fail(40014, 'invalid access_token');
  if (exp! <= nowSeconds()) fail(42001, 'access_token expired');
}
