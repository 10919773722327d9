import { id, nowSeconds, type FakeMsgTemplate } from './fake-corp.js';
import type { GroupMsgSendResult } from '../../server/src/wecom/wecom-api.types.js';
import { badParam, fail, ok, page, type Handler } from './fake-reply.js';
import type { AddMsgTemplateBody, GroupMsgQueryBody } from './fake-requests.js';

/**
 * Group messaging (客户群发) as WeCom does it: add_msg_template creates a task per sending staff member
 * and a send-result row per recipient (status 0); nothing is delivered until the staff member confirms
 * in their WeCom app (FakeCorp.confirmGroupMsg, or POST /__fake/msg-templates/:msgid/confirm).
 */
export const groupMsgHandlers: Record<string, Handler> = {
  // https://developer.work.weixin.qq.com/document/path/92135 (创建企业群发): up to 10,000 customers or
  // 2,000 groups a task; nothing is sent until the member confirms; a customer over the corp's
  // receiving limit gets status 3 then.
  'POST externalcontact/add_msg_template': (corp, { body: raw }) => {
    const body = raw as AddMsgTemplateBody;
    const chatType = body.chat_type ?? 'single';
    if ((body.external_userid ?? []).length > 10_000) badParam('external_userid: at most 10000');
    if ((body.chat_id_list ?? []).length > 2000) badParam('chat_id_list: at most 2000');
    if (!body.text?.content && !(body.attachments ?? []).length) badParam('text or attachments');
    if (body.sender && !corp.staff.has(body.sender)) fail(60111, 'invalid userid');
    // Created through the API: WeCom records no creator and create_type 0 (企业发表).
    const t: FakeMsgTemplate = { msgid: id('msg', 10), input: body, create_type: 0, create_time: nowSeconds(), tasks: new Map(), results: [] };
    const fail_list: string[] = [];
    if (chatType === 'single') {
      const targets: string[] = body.external_userid ?? [];
      if (!targets.length && !body.sender) badParam('external_userid or sender');
      for (const ext of targets) {
        const c = corp.contacts.get(ext);
        const senders = c ? [...c.follows.keys()].filter((u) => !body.sender || u === body.sender) : [];
        if (!senders.length) {
          fail_list.push(ext);
          continue;
        }
        for (const s of senders) {
          t.tasks.set(s, { status: 0 });
          t.results.push({ external_userid: ext, userid: s, status: 0 } satisfies GroupMsgSendResult);
        }
      }
    } else {
      const chats: string[] = body.chat_id_list ?? [...corp.groups.values()].filter((g) => !body.sender || g.owner === body.sender).map((g) => g.chat_id);
      for (const chatId of chats) {
        const g = corp.groups.get(chatId);
        if (!g) continue;
        t.tasks.set(g.owner, { status: 0 });
        t.results.push({ chat_id: chatId, userid: g.owner, status: 0 });
      }
    }
    if (!t.tasks.size) fail(41048, 'no external contact or group to send to');
    corp.msgTemplates.set(t.msgid, t);
    if (corp.autoConfirmGroupMsgMs !== undefined) setTimeout(() => corp.confirmGroupMsg(t.msgid), corp.autoConfirmGroupMsgMs).unref();
    return ok({ fail_list, msgid: t.msgid });
  },

  // https://developer.work.weixin.qq.com/document/path/93338 (获取群发记录列表): messages created through
  // the API have no `creator` and create_type 0, so a `creator` filter never returns them;
  // filter_type 0 企业发表, 1 个人发表, 2 (default) both; a window of at most one month; limit ≤ 100.
  'POST externalcontact/get_groupmsg_list_v2': (corp, { body: raw }) => {
    const body = raw as GroupMsgQueryBody;
    const start = Number(body.start_time);
    const end = Number(body.end_time);
    if (!start || !end || end < start || end - start > 31 * 86400) badParam('start_time/end_time');
    const chatType = body.chat_type ?? 'single';
    const filterType = Number(body.filter_type ?? 2);
    if (![0, 1, 2].includes(filterType)) badParam('filter_type');
    const rows = [...corp.msgTemplates.values()]
      .filter((t) => (t.input.chat_type ?? 'single') === chatType && t.create_time >= start && t.create_time <= end)
      .filter((t) => filterType === 2 || t.create_type === filterType)
      .filter((t) => !body.creator || t.creator === body.creator)
      .map((t) => ({
        msgid: t.msgid,
        ...(t.creator ? { creator: t.creator } : {}),
        create_time: String(t.create_time),
        create_type: t.create_type,
        text: t.input.text,
        attachments: t.input.attachments ?? [],
      }));
    const { slice, next } = page(rows, body.cursor, Math.min(Number(body.limit ?? 50), 100));
    return ok({ next_cursor: next, group_msg_list: slice });
  },

  // doc 93338 (获取群发成员发送任务列表): status 0 not sent, 2 sent; limit ≤ 1000.
  'POST externalcontact/get_groupmsg_task': (corp, { body: raw }) => {
    const body = raw as GroupMsgQueryBody;
    const t = corp.msgTemplates.get(body.msgid ?? '') ?? fail(40058, 'invalid Request Parameter: msgid');
    if (nowSeconds() - t.create_time < corp.dispatchingSeconds) fail(41063, '群发消息正在被派发中，请稍后再试');
    const rows = [...t.tasks].map(([userid, s]) => ({ userid, status: s.status, ...(s.send_time ? { send_time: s.send_time } : {}) }));
    const { slice, next } = page(rows, body.cursor, Math.min(Number(body.limit ?? 500), 1000));
    return ok({ next_cursor: next, task_list: slice });
  },

  // doc 93338 (获取企业群发成员执行结果): status 0 not sent, 1 sent, 2 not a contact, 3 over the
  // customer's receiving limit; limit ≤ 1000.
  'POST externalcontact/get_groupmsg_send_result': (corp, { body: raw }) => {
    const body = raw as GroupMsgQueryBody;
    const t = corp.msgTemplates.get(body.msgid ?? '') ?? fail(40058, 'invalid Request Parameter: msgid');
    if (nowSeconds() - t.create_time < corp.dispatchingSeconds) fail(41063, '群发消息正在被派发中，请稍后再试');
    if (!body.userid) badParam('userid');
    // A customer group appears only once its owner sent to it; customers are listed from the start.
    const rows = t.results.filter((r) => r.userid === body.userid && !(r.chat_id && r.status === 0));
    const { slice, next } = page(rows, body.cursor, Math.min(Number(body.limit ?? 500), 1000));
    return ok({ next_cursor: next, send_list: slice });
  },

  // https://developer.work.weixin.qq.com/document/path/97610 (提醒成员群发): re-sends the members the
  // message's notification, at most three times per message in 24 hours (the doc names no errcode for
  // a fourth; the fake records every call so a test can see how many WeCom was asked for).
  'POST externalcontact/remind_groupmsg_send': (corp, { body: raw }) => {
    const body = raw as GroupMsgQueryBody;
    const t = corp.msgTemplates.get(body.msgid ?? '') ?? fail(40058, 'invalid Request Parameter: msgid');
    t.reminders = (t.reminders ?? 0) + 1;
    return ok({});
  },
};
