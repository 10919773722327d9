import type { Deps } from '../../shared/deps.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { EventService } from '../events/event.service.js';
import type { LoyaltyService } from '../loyalty/loyalty.service.js';
import type { DeskService } from '../conversations/desk.service.js';
import type { ConsentService } from './consent.service.js';

const MAX_LEDGER_PAGES = 200;
const MAX_CONVERSATIONS = 200;
const MESSAGES_PER_CONVERSATION = 1000;
const MAX_EVENTS = 5000;

/**
 * "Export my data" (PIPL art. 45): everything we hold about one person, as one JSON document, through
 * each module's own service. Staff-only fields (internal notes of agents) stay out of the shopper's copy.
 */
export class DataExportService {
  constructor(
    private readonly deps: Deps,
    private readonly parts: { customers: CustomerService; events: EventService; loyalty: LoyaltyService; desk: DeskService; consents: ConsentService },
  ) {}

  async build(tenantId: string, customerId: string, audience: 'shopper' | 'staff') {
    const { customers, events, loyalty, desk, consents } = this.parts;
    const c = await customers.get(tenantId, customerId);
    const id = String(c._id);

    const ledger: unknown[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LEDGER_PAGES; page++) {
      const res = await loyalty.ledger.list(tenantId, id, { cursor, limit: 100 });
      ledger.push(...res.items);
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    const member = await loyalty.members.find(tenantId, id);

    const convs = await desk.conversations.list(tenantId, { customerIds: [id], limit: MAX_CONVERSATIONS });
    const conversations = [];
    for (const conv of convs) {
      const messages = await desk.conversations.history(tenantId, String(conv._id), { limit: MESSAGES_PER_CONVERSATION });
      conversations.push({
        id: String(conv._id),
        kind: conv.kind,
        startedAt: (conv as { createdAt?: Date }).createdAt ?? null,
        messages: messages
          .filter((m) => audience === 'staff' || m.direction !== 'internal')
          .reverse()
          .map((m) => ({
            at: m.at,
            direction: m.direction,
            author: m.author,
            type: m.type,
            text: m.text,
            // The files themselves stay in the desk's store; the export lists what was sent and when.
            ...(m.media?.attachmentId ? { attachment: { name: m.media.name ?? null, type: m.media.mime ?? null, size: m.media.size ?? null, at: m.at } } : {}),
          })),
      });
    }

    return {
      exportedAt: this.deps.now(),
      format: 'scrm-personal-data/v1',
      profile: {
        id,
        name: c.name ?? null,
        phone: c.phone ?? null,
        gender: c.gender ?? null,
        // The schema keeps an empty object for a birthday never given: the export says none.
        birthday: c.birthday?.month ? c.birthday : null,
        city: c.city ?? null,
        sourceChannel: c.sourceChannel ?? null,
        createdAt: (c as { createdAt?: Date }).createdAt ?? null,
        tags: c.tags ?? [],
        aggregates: c.aggregates ?? null,
        ...(audience === 'staff' ? { remark: c.remark ?? null, notes: c.notes ?? [] } : {}),
      },
      identities: (c.identities ?? []).map((i) => ({ type: i.type, value: i.value, appId: i.appId ?? undefined })),
      consents: { current: await consents.get(tenantId, id), history: await consents.history(tenantId, id) },
      membership: member ? { memberNo: member.memberNo, tier: member.tier, balance: member.balance, joinedAt: member.joinedAt } : null,
      ledger,
      coupons: await loyalty.coupons.listForCustomer(tenantId, id),
      orders: (await events.listForCustomer(tenantId, id, {}, MAX_EVENTS)).map((e) => ({ type: e.type, occurredAt: e.occurredAt, data: e.data })),
      conversations,
    };
  }
}
