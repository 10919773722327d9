/**
 * In-process domain hooks: one module announces, others react (loyalty earns on `event.batch_accepted`,
 * events move rows on `customer.merged`). Handlers are awaited in order and must be idempotent:
 * the caller re-emits after a crash (see the events repair job), never the other way round.
 */
export interface HookPayloads {
  'customer.created': { tenantId: string; customerId: string; source: string };
  'customer.merged': { tenantId: string; fromId: string; toId: string };
  'customer.tagged': { tenantId: string; customerId: string; added: string[]; removed: string[]; actorId?: string };
  /** A tag renamed or deleted; `source` 'wecom' when the change came from WeCom's corp tags. */
  'tag.changed': { tenantId: string; tagId: string; change: 'updated' | 'removed'; source: string };
  /** Once per ingested batch, after its orders are counted and aggregates moved: loyalty earns, RFM, journey enrolment. */
  'event.batch_accepted': { tenantId: string; events: Array<{ customerId: string; event: AcceptedEvent }> };
  /** The churn sweep found a buyer past their usual cadence; `basedOn` is the last order this dormancy follows. */
  'customer.at_risk': { tenantId: string; customerId: string; basedOn: Date };
  /** A member's points lot expires within the tenant's reminder window: once per lot (`date` is the shopper's local last day). */
  'loyalty.points_expiring': { tenantId: string; customerId: string; points: number; expiresAt: Date; date: string };
}

export interface AcceptedEvent {
  id: string;
  eventId: string;
  type: string;
  occurredAt: Date;
  data: Record<string, unknown>;
}

type Handler<K extends keyof HookPayloads> = (payload: HookPayloads[K]) => Promise<void> | void;

export class DomainHooks {
  private handlers: { [K in keyof HookPayloads]?: Handler<K>[] } = {};

  on<K extends keyof HookPayloads>(name: K, handler: Handler<K>): () => void {
    const list = (this.handlers[name] ??= []) as Handler<K>[];
    list.push(handler);
    return () => list.splice(list.indexOf(handler), 1);
  }

  async emit<K extends keyof HookPayloads>(name: K, payload: HookPayloads[K]): Promise<void> {
    for (const handler of (this.handlers[name] ?? []) as Handler<K>[]) await handler(payload);
  }
}
