import type { WecomClient } from '../../../wecom/wecom.client.js';
import type { Attachment } from '../../../wecom/wecom-api.types.js';
import { Errcode, isWecomErrcode } from '../../../wecom/wecom.exception.js';
import type { StaffService } from '../../staff/staff.service.js';
import { apiMessagesWithText, messageSenders, sendResults } from './wecom-group-msg.recovery.js';
import type { Address, ChannelProvider, DeliveryStatus, OutgoingRow, RecipientProfile, SendOutcome, BroadcastContent } from './channel.provider.js';

const STATUS: Record<number, DeliveryStatus> = { 0: 'awaiting_confirmation', 1: 'delivered', 2: 'not_a_contact', 3: 'recipient_limit' };

/**
 * WeCom customer group messaging (客户群发, `add_msg_template`): one task per sending staff member
 * holding up to `batchSize` external contacts. Each customer is sent by their owner, who confirms in
 * the WeCom app; `get_groupmsg_send_result` later says who actually received it. After a crash the
 * tasks created since the lease began are read back (`get_groupmsg_list_v2` + send results) so a
 * row whose task exists is marked sent instead of being sent again.
 */
export class WecomGroupMsgProvider implements ChannelProvider {
  readonly name = 'wecom_group_msg' as const;
  /** Customers per task, up to the 10,000 WeCom takes (doc 92135): every task is one confirmation for the rep. */
  readonly batchSize: number;
  readonly claimSize: number;

  constructor(
    private readonly client: WecomClient,
    private readonly staff: StaffService,
    private readonly now: () => Date,
    taskSize = 10_000,
  ) {
    this.batchSize = this.claimSize = taskSize;
  }

  async address(tenantId: string, recipients: RecipientProfile[]): Promise<Map<string, Address>> {
    const out = new Map<string, Address>();
    const senders = new Map<string, string | undefined>();
    for (const r of recipients) {
      const ext = r.identities.find((i) => i.type === 'externalUserId')?.value;
      if (!ext) out.set(r.customerId, { ok: false, reason: 'no_wecom_contact' });
      else if (r.wecomRelation === 'lost') out.set(r.customerId, { ok: false, reason: 'wecom_lost' });
      else if (!r.ownerStaffId) out.set(r.customerId, { ok: false, reason: 'no_owner' });
      else {
        if (!senders.has(r.ownerStaffId)) senders.set(r.ownerStaffId, (await this.staff.get(tenantId, r.ownerStaffId).catch(() => null))?.wecomUserId);
        const sender = senders.get(r.ownerStaffId);
        out.set(r.customerId, sender ? { ok: true, sender, to: ext } : { ok: false, reason: 'owner_not_on_wecom' });
      }
    }
    return out;
  }

  async send(_tenantId: string, rows: OutgoingRow[]): Promise<SendOutcome[]> {
    if (!rows.length) return [];
    const { sender } = rows[0].address;
    const res = await this.client.addMsgTemplate({
      chat_type: 'single',
      sender,
      external_userid: rows.map((r) => r.address.to),
      ...groupMsgPayload(rows[0].content),
    });
    const failed = new Set<string>(res.fail_list ?? []);
    return rows.map((r) =>
      failed.has(r.address.to)
        ? { deliveryId: r.deliveryId, ok: false, error: 'not_a_contact_of_sender' }
        : { deliveryId: r.deliveryId, ok: true, providerRef: res.msgid },
    );
  }

  /** WeCom refused before creating anything: too many calls (45009), a token it would not take (40014, 42001). */
  refusedOutright(err: unknown): boolean {
    return isWecomErrcode(err, Errcode.FREQ_OUT_OF_LIMIT, Errcode.INVALID_ACCESS_TOKEN, Errcode.ACCESS_TOKEN_EXPIRED);
  }

  results(_tenantId: string, refs: string[]): Promise<Map<string, Map<string, DeliveryStatus>>> {
    return groupMsgResults(this.client, refs);
  }

  /**
   * Rows a dead worker left "sending": WeCom's messages created through the API since then, with our
   * text, given to the row's sender, and listing the row's customer (see wecom-group-msg.recovery.ts:
   * WeCom names no creator for them, so they are found by time window, content and task).
   */
  async alreadySent(_tenantId: string, rows: OutgoingRow[], since: Date): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const [text, list] of groupRows(rows, (r) => r.content.text)) {
      const bySender = groupRows(list, (r) => r.address.sender);
      for (const msg of await apiMessagesWithText(this.client, 'single', since, this.now(), text)) {
        for (const sender of await messageSenders(this.client, msg.msgid)) {
          const mine = bySender.get(sender);
          if (!mine) continue;
          const to = new Set((await sendResults(this.client, msg.msgid, sender)).map((s) => s.external_userid));
          for (const row of mine) if (to.has(row.address.to) && !found.has(row.deliveryId)) found.set(row.deliveryId, msg.msgid);
        }
      }
    }
    return found;
  }
}

function groupRows<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) out.set(key(r), [...(out.get(key(r)) ?? []), r]);
  return out;
}

/** Send results for each group message (`get_groupmsg_task` for its senders, then `get_groupmsg_send_result`). */
async function groupMsgResults(client: WecomClient, refs: string[]): Promise<Map<string, Map<string, DeliveryStatus>>> {
  const out = new Map<string, Map<string, DeliveryStatus>>();
  for (const msgid of refs) {
    try {
      out.set(msgid, await oneMessageResults(client, msgid));
    } catch (err) {
      // 41063: WeCom is still dispatching this message; its results come on a later pull.
      if (!isWecomErrcode(err, Errcode.GROUPMSG_DISPATCHING)) throw err;
    }
  }
  return out;
}

async function oneMessageResults(client: WecomClient, msgid: string): Promise<Map<string, DeliveryStatus>> {
  const byTo = new Map<string, DeliveryStatus>();
  for (const userid of await messageSenders(client, msgid)) {
    // A customer's row names the contact; a customer group's row names the chat.
    for (const row of await sendResults(client, msgid, userid)) {
      const to = row.external_userid || row.chat_id;
      if (to) byTo.set(to, STATUS[row.status] ?? 'awaiting_confirmation');
    }
  }
  return byTo;
}

/** The add_msg_template body for a content: text plus image / link / mini-program attachments. */
export function groupMsgPayload(c: BroadcastContent) {
  const attachments: Attachment[] = [];
  if (c.image) attachments.push({ msgtype: 'image', image: { media_id: c.image.mediaId, pic_url: c.image.picUrl } });
  if (c.link) attachments.push({ msgtype: 'link', link: { title: c.link.title, url: c.link.url, desc: c.link.desc, picurl: c.link.picUrl } });
  if (c.miniprogram)
    attachments.push({
      msgtype: 'miniprogram',
      miniprogram: { title: c.miniprogram.title, appid: c.miniprogram.appId, page: c.miniprogram.page, pic_media_id: c.miniprogram.picMediaId },
    });
  return { text: { content: c.text }, ...(attachments.length ? { attachments } : {}) };
}
