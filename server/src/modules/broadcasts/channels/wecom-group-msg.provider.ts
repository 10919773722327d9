import type { WecomClient } from '../../../wecom/wecom.client.js';
import type { StaffService } from '../../staff/staff.service.js';
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
  readonly batchSize = 200;

  constructor(private readonly client: WecomClient, private readonly staff: StaffService, private readonly now: () => Date) {}

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
    const res = await this.client.addMsgTemplate({ chat_type: 'single', sender, external_userid: rows.map((r) => r.address.to), ...groupMsgPayload(rows[0].content) } as any);
    const failed = new Set<string>((res as any).fail_list ?? []);
    return rows.map((r) =>
      failed.has(r.address.to) ? { deliveryId: r.deliveryId, ok: false, error: 'not_a_contact_of_sender' } : { deliveryId: r.deliveryId, ok: true, providerRef: (res as any).msgid },
    );
  }

  results(_tenantId: string, refs: string[]): Promise<Map<string, Map<string, DeliveryStatus>>> {
    return groupMsgResults(this.client, refs);
  }

  async alreadySent(_tenantId: string, rows: OutgoingRow[], since: Date): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const bySender = new Map<string, OutgoingRow[]>();
    for (const r of rows) bySender.set(r.address.sender, [...(bySender.get(r.address.sender) ?? []), r]);
    const start = Math.floor(since.getTime() / 1000) - 60;
    // Our clock, not the machine's (they differ only under a test clock); never an empty range, which WeCom refuses.
    const end = Math.max(Math.floor(this.now().getTime() / 1000), start + 60) + 60;
    for (const [sender, list] of bySender) {
      // Rows of one campaign may carry personal texts (placeholders): each row matches its own.
      const texts = new Set(list.map((r) => r.content.text));
      let cursor: string | undefined;
      do {
        const page = await this.client.getGroupmsgListV2({ chat_type: 'single', start_time: start, end_time: end, creator: sender, limit: 100, cursor });
        for (const msg of page.group_msg_list ?? []) {
          const text = (msg as any).text?.content;
          if (!texts.has(text)) continue;
          const to = new Set<string>();
          let c2: string | undefined;
          do {
            const r = await this.client.getGroupmsgSendResult({ msgid: (msg as any).msgid, userid: sender, limit: 1000, cursor: c2 });
            for (const s of r.send_list ?? []) if ((s as any).external_userid) to.add((s as any).external_userid);
            c2 = r.next_cursor || undefined;
          } while (c2);
          for (const row of list) if (row.content.text === text && to.has(row.address.to) && !found.has(row.deliveryId)) found.set(row.deliveryId, (msg as any).msgid);
        }
        cursor = page.next_cursor || undefined;
      } while (cursor);
    }
    return found;
  }
}

/** Send results for each group message (`get_groupmsg_task` for its senders, then `get_groupmsg_send_result`). */
async function groupMsgResults(client: WecomClient, refs: string[]): Promise<Map<string, Map<string, DeliveryStatus>>> {
  const out = new Map<string, Map<string, DeliveryStatus>>();
  for (const msgid of refs) {
    const byTo = new Map<string, DeliveryStatus>();
    const senders: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.getGroupmsgTask({ msgid, limit: 1000, cursor });
      for (const t of page.task_list ?? []) senders.push((t as any).userid);
      cursor = page.next_cursor || undefined;
    } while (cursor);
    for (const userid of senders) {
      let c2: string | undefined;
      do {
        const r = await client.getGroupmsgSendResult({ msgid, userid, limit: 1000, cursor: c2 });
        // A customer's row names the contact; a customer group's row names the chat.
        for (const row of r.send_list ?? []) {
          const to = (row as any).external_userid || (row as any).chat_id;
          if (to) byTo.set(to, STATUS[(row as any).status] ?? 'awaiting_confirmation');
        }
        c2 = r.next_cursor || undefined;
      } while (c2);
    }
    out.set(msgid, byTo);
  }
  return out;
}

/** The add_msg_template body for a content: text plus image / link / mini-program attachments. */
export function groupMsgPayload(c: BroadcastContent) {
  const attachments: unknown[] = [];
  if (c.image) attachments.push({ msgtype: 'image', image: { media_id: c.image.mediaId, pic_url: c.image.picUrl } });
  if (c.link) attachments.push({ msgtype: 'link', link: { title: c.link.title, url: c.link.url, desc: c.link.desc, picurl: c.link.picUrl } });
  if (c.miniprogram) attachments.push({ msgtype: 'miniprogram', miniprogram: { title: c.miniprogram.title, appid: c.miniprogram.appId, page: c.miniprogram.page, pic_media_id: c.miniprogram.picMediaId } });
  return { text: { content: c.text }, ...(attachments.length ? { attachments } : {}) };
}
