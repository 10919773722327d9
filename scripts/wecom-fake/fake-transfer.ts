import { nowSeconds, type FakeCorp, type FakeTransfer } from './fake-corp.js';
import { badParam, fail, ok, page, type Handler, type Json } from './fake-reply.js';

/**
 * Customer and group transfer (在职继承 / 离职继承) as WeCom does it: a transfer call answers an errcode
 * per customer and leaves each accepted one waiting (status 2) — WeCom completes it after 24 hours
 * unless the customer refuses. Here a test (or POST /__fake/transfers/{complete,refuse}) plays that
 * moment: `completeTransfer` moves the follow and sends the callbacks WeCom sends, `refuseTransfer`
 * sends transfer_fail. Group owners change at once.
 */
const DAY = 86_400;
type Mode = FakeTransfer['mode'];

function errcodeFor(corp: FakeCorp, mode: Mode, handover: string, takeover: string, ext: string, msg?: string): number {
  if (handover === takeover) return 40130;
  if (mode === 'resigned' && !corp.resigned.has(handover)) return 40097;
  const c = corp.contacts.get(ext);
  if (!c) return 40096;
  if (!c.follows.has(handover)) return 40131;
  if (corp.transfers.some((t) => t.external_userid === ext && t.status === 2)) return 40129;
  const limit = corp.customerLimit.get(takeover);
  if (limit !== undefined && [...corp.contacts.values()].filter((x) => x.follows.has(takeover)).length >= limit) return 40099;
  const now = nowSeconds();
  if (mode === 'in_service') {
    const recent = (corp.transferLog.get(ext) ?? []).filter((t) => t > now - 90 * DAY);
    if (recent.length >= 2) return 40128;
    corp.transferLog.set(ext, [...recent, now]);
  }
  corp.transfers.push({
    mode,
    handover_userid: handover,
    takeover_userid: takeover,
    external_userid: ext,
    status: 2,
    takeover_time: now + DAY,
    create_time: now,
    transfer_success_msg: msg,
  });
  return 0;
}

function transferCustomers(mode: Mode): Handler {
  return (corp, { body }) => {
    const handover = String(body.handover_userid ?? '');
    const takeover = String(body.takeover_userid ?? '');
    if (!corp.staff.has(handover) || !corp.staff.has(takeover) || corp.resigned.has(takeover)) fail(60111, 'invalid userid');
    const ids: string[] = Array.isArray(body.external_userid) ? body.external_userid.map(String) : [];
    if (!ids.length || ids.length > 100) badParam('external_userid must list 1 to 100 customers');
    const msg = mode === 'in_service' && body.transfer_success_msg ? String(body.transfer_success_msg) : undefined;
    if (msg && msg.length > 200) badParam('transfer_success_msg longer than 200 characters');
    return ok({ customer: ids.map((ext) => ({ external_userid: ext, errcode: errcodeFor(corp, mode, handover, takeover, ext, msg) })) });
  };
}

function transferResult(mode: Mode): Handler {
  return (corp, { body }) => {
    if (!body.handover_userid || !body.takeover_userid) badParam('handover_userid and takeover_userid');
    const rows = corp.transfers
      .filter((t) => t.mode === mode && t.handover_userid === body.handover_userid && t.takeover_userid === body.takeover_userid)
      .map((t) => ({ external_userid: t.external_userid, status: t.status, takeover_time: t.takeover_time }));
    const { slice, next } = page(rows, body.cursor, 1000);
    return ok({ customer: slice, next_cursor: next });
  };
}

function groupTransfer(mode: Mode): Handler {
  return (corp, { body }) => {
    const chats: string[] = Array.isArray(body.chat_id_list) ? body.chat_id_list.map(String) : [];
    if (!chats.length || chats.length > 100) badParam('chat_id_list must list 1 to 100 groups');
    const owner = String(body.new_owner ?? '');
    if (!corp.staff.has(owner) || corp.resigned.has(owner)) fail(60111, 'invalid userid');
    const failed_chat_list: Json[] = [];
    for (const chatId of chats) {
      const g = corp.groups.get(chatId);
      const refuse = (errcode: number, errmsg: string) => failed_chat_list.push({ chat_id: chatId, errcode, errmsg });
      if (!g) refuse(90501, 'chat is not external group chat');
      else if (mode === 'resigned' && !corp.resigned.has(g.owner)) refuse(90500, 'the owner of this chat is not resigned');
      else if (mode === 'in_service' && corp.resigned.has(g.owner)) refuse(90502, 'the owner of this chat has resigned');
      else {
        g.owner = owner;
        if (!g.member_list.some((m) => m.userid === owner)) g.member_list.push({ userid: owner, type: 1, join_time: nowSeconds(), join_scene: 1 });
        corp.outbox.push({ Event: 'change_external_chat', ChangeType: 'update', ChatId: chatId, UpdateDetail: 'change_owner' });
      }
    }
    return ok({ failed_chat_list });
  };
}

export const transferHandlers: Record<string, Handler> = {
  // https://developer.work.weixin.qq.com/document/path/92125 (分配在职成员的客户): ≤ 100 customers a call, an errcode per customer; 40128 past 2 transfers in 90 days
  'POST externalcontact/transfer_customer': transferCustomers('in_service'),
  // https://developer.work.weixin.qq.com/document/path/94088 (查询客户接替状态)
  'POST externalcontact/transfer_result': transferResult('in_service'),
  // https://developer.work.weixin.qq.com/document/path/94081 (分配离职成员的客户)
  'POST externalcontact/resigned/transfer_customer': transferCustomers('resigned'),
  // https://developer.work.weixin.qq.com/document/path/94082 (查询离职客户接替状态)
  'POST externalcontact/resigned/transfer_result': transferResult('resigned'),
  // https://developer.work.weixin.qq.com/document/path/92127 (分配离职成员的客户群): ≤ 100 chats a call
  'POST externalcontact/groupchat/transfer': groupTransfer('resigned'),
  // https://developer.work.weixin.qq.com/document/path/95703 (分配在职成员的客户群): ≤ 100 chats a call. Its 300-groups-a-day limit has no documented errcode, so it is not played here (the product stays under it)
  'POST externalcontact/groupchat/onjob_transfer': groupTransfer('in_service'),

  // https://developer.work.weixin.qq.com/document/path/92124 (获取待分配的离职成员列表): page_size ≤ 1000
  'POST externalcontact/get_unassigned_list': (corp, { body }) => {
    const size = Number(body.page_size ?? 1000);
    if (!Number.isInteger(size) || size < 1 || size > 1000) badParam('page_size must be 1..1000');
    const assigned = new Set(
      corp.transfers.filter((t) => t.mode === 'resigned' && (t.status === 1 || t.status === 2)).map((t) => `${t.handover_userid}\n${t.external_userid}`),
    );
    const rows = [...corp.resigned].flatMap(([userid, at]) =>
      [...corp.contacts.values()]
        .filter((c) => c.follows.has(userid) && !assigned.has(`${userid}\n${c.contact.external_userid}`))
        .map((c) => ({ handover_userid: userid, external_userid: c.contact.external_userid, dimission_time: at })),
    );
    const { slice, next } = page(rows, body.cursor, size);
    return ok({ info: slice, is_last: !next, next_cursor: next });
  },
};

type Sender = { corp: FakeCorp; sendEvent(fields: Record<string, string | number | undefined>): Promise<{ status: number }> };

function waiting(corp: FakeCorp, externalUserId: string): FakeTransfer {
  const t = corp.transfers.find((x) => x.external_userid === externalUserId && x.status === 2);
  if (!t) throw new Error(`fake WeCom: no transfer waiting for ${externalUserId}`);
  return t;
}

/**
 * The takeover happens (24 h passed, or the customer agreed): the customer now follows the taker. WeCom
 * tells the taker with add_external_contact (unless they already had the customer) and, in service,
 * removes the giver with del_external_contact Source=DELETE_BY_TRANSFER.
 */
export async function completeTransfer(fake: Sender, externalUserId: string) {
  const t = waiting(fake.corp, externalUserId);
  const c = fake.corp.contacts.get(externalUserId)!;
  const had = c.follows.has(t.takeover_userid);
  const old = c.follows.get(t.handover_userid);
  t.status = 1;
  t.takeover_time = nowSeconds();
  c.follows.delete(t.handover_userid);
  fake.corp.follow(
    t.takeover_userid,
    externalUserId,
    had
      ? {}
      : {
          createtime: t.takeover_time,
          remark: old?.remark,
          description: old?.description,
          remark_mobiles: old?.remark_mobiles,
          tagIds: old?.tagIds ?? [],
          state: undefined,
          oper_userid: t.takeover_userid,
        },
  );
  const deliveries = [];
  if (!had)
    deliveries.push(
      await fake.sendEvent({ Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: t.takeover_userid, ExternalUserID: externalUserId }),
    );
  if (t.mode === 'in_service')
    deliveries.push(
      await fake.sendEvent({
        Event: 'change_external_contact',
        ChangeType: 'del_external_contact',
        UserID: t.handover_userid,
        ExternalUserID: externalUserId,
        Source: 'DELETE_BY_TRANSFER',
      }),
    );
  return deliveries;
}

/** The customer refuses (or the taker is at their limit): the customer stays where they were; transfer_fail names the taker. */
export async function refuseTransfer(fake: Sender, externalUserId: string, reason: 'customer_refused' | 'customer_limit_exceed' = 'customer_refused') {
  const t = waiting(fake.corp, externalUserId);
  t.status = reason === 'customer_refused' ? 3 : 4;
  t.takeover_time = 0;
  return fake.sendEvent({
    Event: 'change_external_contact',
    ChangeType: 'transfer_fail',
    FailReason: reason,
    UserID: t.takeover_userid,
    ExternalUserID: externalUserId,
  });
}
