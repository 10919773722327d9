import { ConversationModel, MessageModel } from './conversation.model.js';

/** One agent's share of the period's handed-over chats. */
export interface AgentFigures {
  staffId: string;
  name: string;
  /** Chats the agent was assigned or answered in the period. */
  chats: number;
  /** Handed-over chats the agent answered first, and how long the customer waited for it (ms). */
  firstResponses: number;
  medianFirstResponseMs: number | null;
  /** Response targets missed while the chat was the agent's. */
  breaches: number;
}

export interface DeskFigures {
  /** Private chats in which a customer wrote, or that were handed over, in the period. */
  chats: number;
  /** Of those, answered by the bot alone: never handed over nor answered by an agent in the period. */
  botOnly: number;
  handedOver: number;
  /** Handed over in the period and answered by an agent (by now), or still waiting for a first answer. */
  answered: number;
  waiting: number;
  /** From the handoff to the first agent reply, nearest-rank percentiles (ms); null without any. */
  firstResponse: { medianMs: number | null; p90Ms: number | null };
  /** How long those first answers took, by band (the chart's bars). */
  firstResponseBands: { band: FirstResponseBand; chats: number }[];
  /** Response targets missed in the period: first response, next response, all. */
  breaches: { first: number; next: number; total: number };
  agents: AgentFigures[];
}

export const FIRST_RESPONSE_BANDS = ['1m', '5m', '15m', '1h', 'more'] as const;
export type FirstResponseBand = (typeof FIRST_RESPONSE_BANDS)[number];
const BAND_LIMITS: Record<Exclude<FirstResponseBand, 'more'>, number> = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000 };

/**
 * The desk's figures for a period [since, until), worked out from the stored conversations and
 * messages rather than counters: a chat is in the period when its customer wrote or it was handed
 * over then; the first response is the first agent reply after the handoff (a chat handed over twice
 * counts from its latest handoff); breaches are the SLA sweep's records with their time in the period,
 * charged to the agent who held the chat. Rooms are left out: only private chats are handed over.
 */
export class DeskFiguresService {
  async period(tenantId: string, since: Date, until: Date): Promise<DeskFigures> {
    const inPeriod = { $gte: since, $lt: until };
    const [wrote, queued, agentMessages, breached] = await Promise.all([
      MessageModel.distinct('conversationId', { tenantId, direction: 'in', author: 'customer', at: inPeriod }),
      ConversationModel.find({ tenantId, kind: 'private', queuedAt: inPeriod }).select({ queuedAt: 1, assigneeId: 1, assigneeName: 1, assignedAt: 1 }).lean(),
      MessageModel.find({ tenantId, direction: 'out', author: 'agent', at: inPeriod })
        .select({ conversationId: 1, staffId: 1, staffName: 1, at: 1 })
        .sort({ at: 1 })
        .lean(),
      ConversationModel.find({ tenantId, kind: 'private', 'sla.breaches.at': inPeriod }).select({ 'sla.breaches': 1, assigneeId: 1, assigneeName: 1 }).lean(),
    ]);
    const privateWrote = await ConversationModel.find({ tenantId, kind: 'private', _id: { $in: wrote } })
      .select({ _id: 1 })
      .lean();
    const chats = new Set(privateWrote.map((c) => String(c._id)));
    for (const c of queued) chats.add(String(c._id));
    const human = new Set(queued.map((c) => String(c._id)));
    for (const m of agentMessages) if (chats.has(String(m.conversationId))) human.add(String(m.conversationId));

    const agents = new Map<string, { name: string; chats: Set<string>; waits: number[]; breaches: number }>();
    const agent = (staffId: string, name?: string | null) => {
      let a = agents.get(staffId);
      if (!a) agents.set(staffId, (a = { name: name || staffId, chats: new Set(), waits: [], breaches: 0 }));
      else if (name && a.name === staffId) a.name = name;
      return a;
    };
    for (const m of agentMessages) if (m.staffId && chats.has(String(m.conversationId))) agent(m.staffId, m.staffName).chats.add(String(m.conversationId));
    for (const c of queued)
      if (c.assigneeId && c.assignedAt && c.assignedAt >= since && c.assignedAt < until) agent(c.assigneeId, c.assigneeName).chats.add(String(c._id));

    // The first agent reply after each handoff of the period, up to the period's end.
    const repliesOf = new Map<string, typeof agentMessages>();
    for (const m of agentMessages) repliesOf.set(String(m.conversationId), [...(repliesOf.get(String(m.conversationId)) ?? []), m]);
    const waits: number[] = [];
    for (const c of queued) {
      const from = c.queuedAt!.getTime();
      const first = repliesOf.get(String(c._id))?.find((m) => m.at.getTime() >= from);
      if (!first) continue;
      const waited = first.at.getTime() - from;
      waits.push(waited);
      if (first.staffId) agent(first.staffId, first.staffName).waits.push(waited);
    }

    const breaches = { first: 0, next: 0, total: 0 };
    for (const c of breached) {
      for (const b of c.sla?.breaches ?? []) {
        if (!b.at || b.at < since || b.at >= until) continue;
        breaches.total++;
        if (b.kind === 'next') breaches.next++;
        else breaches.first++;
        if (b.assigneeId) agent(b.assigneeId, b.assigneeId === c.assigneeId ? c.assigneeName : undefined).breaches++;
      }
    }

    const sorted = [...waits].sort((a, b) => a - b);
    return {
      chats: chats.size,
      botOnly: chats.size - human.size,
      handedOver: human.size,
      answered: waits.length,
      waiting: queued.length - waits.length,
      firstResponse: { medianMs: rank(sorted, 0.5), p90Ms: rank(sorted, 0.9) },
      firstResponseBands: FIRST_RESPONSE_BANDS.map((band) => ({ band, chats: sorted.filter((ms) => bandOf(ms) === band).length })),
      breaches,
      agents: [...agents.entries()]
        .map(([staffId, a]) => ({
          staffId,
          name: a.name,
          chats: a.chats.size,
          firstResponses: a.waits.length,
          medianFirstResponseMs: rank(
            [...a.waits].sort((x, y) => x - y),
            0.5,
          ),
          breaches: a.breaches,
        }))
        .sort((x, y) => y.chats - x.chats || x.name.localeCompare(y.name)),
    };
  }
}

/** The nearest-rank percentile of sorted values: the smallest value with at least p of them at or below it. */
export function rank(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

function bandOf(ms: number): FirstResponseBand {
  for (const band of ['1m', '5m', '15m', '1h'] as const) if (ms < BAND_LIMITS[band]) return band;
  return 'more';
}
