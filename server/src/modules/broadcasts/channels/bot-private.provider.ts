import type { Address, ChannelProvider, DeliveryStatus, OutgoingRow, RecipientProfile, SendOutcome } from './channel.provider.js';
import { botText, outboundKey, outboundStatus, type BotChatPort } from './bot-chat.port.js';

/**
 * bot_private: each customer in their private chat with the bot's WeChat account, found by the
 * customer's `wechatyContactId`. Sending queues one desk outbound row per delivery (key = delivery
 * id), which the bot delivers and retries like an agent reply, across bot restarts. "sent" here means
 * queued; the row's own state (sent / failed) comes back as the delivery status.
 */
export class BotPrivateProvider implements ChannelProvider {
  readonly name = 'bot_private' as const;
  readonly batchSize = 100;

  constructor(
    private readonly chats: () => BotChatPort | undefined,
    readonly perMinute?: number,
  ) {}

  private port(): BotChatPort {
    const p = this.chats();
    if (!p) throw new Error('the service desk (bot chats) is not available');
    return p;
  }

  async address(tenantId: string, recipients: RecipientProfile[]): Promise<Map<string, Address>> {
    const out = new Map<string, Address>();
    const withContact = recipients.filter((r) => r.identities.some((i) => i.type === 'wechatyContactId'));
    const chats = withContact.length
      ? await this.port().privateChats(
          tenantId,
          withContact.map((r) => r.customerId),
        )
      : [];
    for (const r of recipients) {
      const contacts = r.identities.filter((i) => i.type === 'wechatyContactId').map((i) => i.value);
      if (!contacts.length) {
        out.set(r.customerId, { ok: false, reason: 'no_bot_contact' });
        continue;
      }
      // A contact who never chatted privately with the bot (met only in a room) is not its friend.
      const chat = chats.find((c) => String(c.customerId) === r.customerId && contacts.includes(c.peerId));
      out.set(r.customerId, chat ? { ok: true, sender: chat.botAccountId, to: chat.peerId } : { ok: false, reason: 'no_bot_chat' });
    }
    return out;
  }

  async send(tenantId: string, rows: OutgoingRow[]): Promise<SendOutcome[]> {
    const out: SendOutcome[] = [];
    for (const r of rows) {
      const body = botText(r.content);
      if ('reason' in body) {
        out.push({ deliveryId: r.deliveryId, ok: false, error: body.reason });
        continue;
      }
      const chat = await this.port().chat(tenantId, r.address.sender, r.address.to);
      if (!chat) {
        out.push({ deliveryId: r.deliveryId, ok: false, error: 'no_bot_chat' });
        continue;
      }
      out.push({ deliveryId: r.deliveryId, ok: true, providerRef: await this.port().queue(tenantId, chat, body.text, outboundKey(r.deliveryId)) });
    }
    return out;
  }

  /** After a crash: the rows whose outbound message exists were queued, whatever the bot did since. */
  async alreadySent(tenantId: string, rows: OutgoingRow[]): Promise<Map<string, string>> {
    const found = await this.port().rows(tenantId, { keys: rows.map((r) => outboundKey(r.deliveryId)) });
    const byKey = new Map(found.map((f) => [f.key, f.id]));
    const out = new Map<string, string>();
    for (const r of rows) {
      const id = byKey.get(outboundKey(r.deliveryId));
      if (id) out.set(r.deliveryId, id);
    }
    return out;
  }

  /** Each reference is one outbound row for one recipient: '*' stands for that recipient. */
  async results(tenantId: string, refs: string[]): Promise<Map<string, Map<string, DeliveryStatus>>> {
    const found = await this.port().rows(tenantId, { ids: refs });
    return new Map(found.map((f) => [f.id, new Map([['*', outboundStatus(f.state)]])]));
  }
}
