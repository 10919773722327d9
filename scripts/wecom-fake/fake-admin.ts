import type { FakeWecom } from './fake-wecom.js';

/** What the admin routes read (the demo's and the tests' own API, not WeCom's); `str(k)` checks the rest. */
interface AdminBody {
  [field: string]: unknown;
  userid?: string;
  name?: string;
  unionid?: string;
  state?: string;
  remark?: string;
  description?: string;
  tagIds?: string[];
  remarkMobiles?: string[];
  externalUserId?: string;
  errcode?: number;
  errmsg?: string;
  httpStatus?: number;
  skip?: number;
  delayMs?: number;
}

/**
 * The fake's own inspection and control routes under `/__fake/` (not WeCom's API): what our server
 * sent (welcome messages, group messages), and buttons for the demo ("a customer scans code X").
 * In-process callers (tests) use the FakeWecom object directly; these are for curl and other processes.
 */
export function adminRoutes(fake: FakeWecom) {
  const corp = fake.corp;
  const templates = () =>
    [...corp.msgTemplates.values()].map((t) => ({
      msgid: t.msgid,
      input: t.input,
      creator: t.creator,
      create_type: t.create_type,
      create_time: t.create_time,
      tasks: Object.fromEntries(t.tasks),
      results: t.results,
    }));

  return async (method: string, path: string, raw: Record<string, unknown>, _query: Record<string, string>): Promise<unknown> => {
    const body = raw as AdminBody;
    const route = `${method} ${path}`;
    if (route === 'GET state')
      return {
        corpId: corp.corpId,
        staff: [...corp.staff.values()],
        contacts: [...corp.contacts.values()].map((c) => ({ ...c.contact, follow_user: [...c.follows.values()] })),
        tagGroups: corp.tagGroups,
        contactWays: [...corp.contactWays.values()],
        groups: [...corp.groups.values()],
        gettokenCalls: corp.gettokenCalls,
        welcomesSent: corp.welcomesSent,
        msgTemplates: templates(),
        resigned: Object.fromEntries(corp.resigned),
        transfers: corp.transfers,
      };
    if (route === 'GET sent/welcome') return corp.welcomesSent;
    if (route === 'GET sent/msg-templates') return templates();
    const confirm = /^POST msg-templates\/([^/]+)\/confirm$/.exec(route);
    if (confirm) {
      corp.confirmGroupMsg(confirm[1], body.userid);
      return templates().find((t) => t.msgid === confirm[1]);
    }
    if (route === 'POST staff') {
      corp.addStaff(String(body.userid), body.name);
      return { ok: true };
    }
    if (route === 'POST simulate/scan') {
      const r = await fake.scan(String(body.configId), { name: String(body.name ?? '微信用户'), unionid: body.unionid });
      return { externalUserId: r.externalUserId, userid: r.userid, callbackStatus: r.delivery.status };
    }
    if (route === 'POST simulate/add-friend') {
      const r = await fake.addFriend(String(body.userid), { name: String(body.name ?? '微信用户'), unionid: body.unionid }, body.state);
      return { externalUserId: r.externalUserId, userid: r.userid, callbackStatus: r.delivery.status };
    }
    // What else happens in the WeCom apps, for trying each callback by hand (curl) in the demo.
    const str = (k: string) => {
      if (typeof body[k] !== 'string' || !body[k]) throw new Error(`${k} is required`);
      return body[k] as string;
    };
    const sent = (d: { status: number }) => ({ callbackStatus: d.status });
    if (route === 'POST simulate/customer-deletes-staff') return sent(await fake.customerDeletesStaff(str('userid'), str('externalUserId')));
    if (route === 'POST simulate/staff-deletes-customer') return sent(await fake.staffDeletesCustomer(str('userid'), str('externalUserId')));
    if (route === 'POST simulate/edit-contact') {
      const patch = { remark: body.remark, description: body.description, tagIds: body.tagIds, remark_mobiles: body.remarkMobiles };
      for (const k of Object.keys(patch) as Array<keyof typeof patch>) if (patch[k] === undefined) delete patch[k];
      return sent(await fake.editContact(str('userid'), str('externalUserId'), patch));
    }
    if (route === 'POST simulate/create-group') {
      const r = await fake.createGroup(str('owner'), str('name'), Array.isArray(body.members) ? body.members.map(String) : []);
      return { chatId: r.chatId, ...sent(r.delivery) };
    }
    if (route === 'POST simulate/join-group') return sent(await fake.joinGroup(str('chatId'), str('externalUserId')));
    if (route === 'POST simulate/leave-group') return sent(await fake.leaveGroup(str('chatId'), str('memberId')));
    if (route === 'POST simulate/dismiss-group') return sent(await fake.dismissGroup(str('chatId')));
    if (route === 'POST simulate/create-tag') {
      const r = await fake.adminCreatesTag(str('groupName'), str('name'));
      return { tagId: r.tagId, groupId: r.groupId, ...sent(r.delivery) };
    }
    // 微信客服: an account, a WeChat customer writing to it, a servicer answering from the WeCom app.
    if (route === 'POST simulate/kf-account') return { openKfId: fake.kf.addAccount(str('name')) };
    if (route === 'POST simulate/kf-message') {
      const r = await fake.kf.customerSends(
        str('openKfId'),
        { nickname: String(body.nickname ?? '微信用户'), external_userid: body.externalUserId, unionid: body.unionid },
        str('text'),
      );
      return { externalUserId: r.externalUserId, msgid: r.msgid, ...sent(r.delivery) };
    }
    if (route === 'POST simulate/kf-servicer-message')
      return sent((await fake.kf.servicerSends(str('openKfId'), str('externalUserId'), str('userid'), str('text'))).delivery);
    if (route === 'GET sent/kf') return fake.kf.state.sent;
    if (route === 'GET transfers') return corp.transfers;
    if (route === 'POST staff/resign') {
      fake.resign(str('userid'));
      return { ok: true };
    }
    if (route === 'POST transfers/complete') return { callbackStatuses: (await fake.completeTransfer(str('externalUserId'))).map((d) => d.status) };
    if (route === 'POST transfers/refuse') {
      const reason = body.reason === 'customer_limit_exceed' ? 'customer_limit_exceed' : 'customer_refused';
      return sent(await fake.refuseTransfer(str('externalUserId'), reason));
    }
    if (route === 'POST faults') {
      corp.faults.push({
        path: String(body.path),
        times: Number(body.times ?? 1),
        errcode: body.errcode,
        errmsg: body.errmsg,
        httpStatus: body.httpStatus,
        skip: body.skip,
        delayMs: body.delayMs,
      });
      return { ok: true };
    }
    if (route === 'POST expire-tokens') {
      for (const k of corp.tokens.keys()) corp.tokens.set(k, 0);
      return { ok: true };
    }
    return undefined;
  };
}
