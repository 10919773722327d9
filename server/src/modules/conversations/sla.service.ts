import type { Deps } from '../../shared/deps.js';
import { ConversationModel, type ConversationDoc } from './conversation.model.js';
import type { ReplyRuleService } from './reply-rule.service.js';
import type { DeskLive } from './desk-live.js';
import type { TeamService } from './desk-team.service.js';
import { addBusinessTime } from './business-hours.js';

/**
 * Response targets per tenant. A customer message waiting for a human starts a clock (first response
 * from the handoff, next response for later messages); an agent reply stops it and adds to the
 * figures. The sweep warns the agent at 80% of the target and, at the target, records a breach once
 * and escalates it to the chat's team manager (已升级给, their 升级给我 list), else the supervisor role; the breached due time stays as `sla.overdueSince` until an
 * agent answers or the chat leaves human hands, so the chat keeps its clock (已超时 N 分钟).
 */
export class SlaService {
  constructor(
    private readonly deps: Deps,
    private readonly rules: ReplyRuleService,
    private readonly live: DeskLive,
    private readonly teams: TeamService,
  ) {}

  /**
   * The `$set` fields that start a clock of the given kind at `from`: the team's target (else the
   * tenant's), counted in business hours when the tenant has them.
   */
  async clock(tenantId: string, kind: 'first' | 'next', from: Date, teamId?: string | null): Promise<Record<string, unknown>> {
    const [s, team] = await Promise.all([this.rules.settings(tenantId), teamId ? this.teams.find(tenantId, teamId) : null]);
    const seconds = kind === 'first' ? (team?.firstResponseSeconds ?? s.firstResponseSeconds) : (team?.nextResponseSeconds ?? s.nextResponseSeconds);
    const ms = seconds * 1000;
    return {
      awaitingSince: from,
      'sla.kind': kind,
      'sla.dueAt': addBusinessTime(from, ms, s.hours),
      'sla.warnAt': addBusinessTime(from, Math.floor(ms * 0.8), s.hours),
    };
  }

  /** The tenant's desk settings (targets, business hours). */
  settings(tenantId: string) {
    return this.rules.settings(tenantId);
  }

  /** A customer wrote while a human holds the chat: start the clock unless one is running. */
  async customerWrote(tenantId: string, conversation: ConversationDoc, at: Date): Promise<void> {
    if (!['queued', 'assigned'].includes(conversation.state) || conversation.awaitingSince) return;
    const kind = conversation.sla?.firstResponseMs === undefined || conversation.sla?.firstResponseMs === null ? 'first' : 'next';
    await ConversationModel.updateOne(
      { tenantId, _id: conversation._id, state: { $in: ['queued', 'assigned'] }, awaitingSince: { $exists: false } },
      { $set: await this.clock(tenantId, kind, at, conversation.teamId) },
    );
  }

  /** An agent answered: stop the clock and record how long the customer waited. */
  async agentReplied(tenantId: string, conversationId: string, at: Date): Promise<void> {
    const c = await ConversationModel.findOne({ tenantId, _id: conversationId }).lean();
    if (!c?.awaitingSince) return;
    const waited = Math.max(0, at.getTime() - new Date(c.awaitingSince).getTime());
    const res = await ConversationModel.updateOne(
      { tenantId, _id: conversationId, awaitingSince: c.awaitingSince },
      {
        $unset: { awaitingSince: 1, 'sla.dueAt': 1, 'sla.warnAt': 1, 'sla.kind': 1, 'sla.overdueSince': 1 },
        $inc: { 'sla.responses': 1, 'sla.totalResponseMs': waited },
      },
    );
    if (res.modifiedCount && (c.sla?.firstResponseMs === undefined || c.sla?.firstResponseMs === null)) {
      await ConversationModel.updateOne({ tenantId, _id: conversationId }, { $set: { 'sla.firstResponseMs': waited } });
    }
  }

  /** The clocks stop when the chat leaves human hands. */
  stopFields(): Record<string, 1> {
    return { awaitingSince: 1, 'sla.dueAt': 1, 'sla.warnAt': 1, 'sla.kind': 1, 'sla.overdueSince': 1 };
  }

  /** The 'conversations.sla-sweep' job. Each warning and breach is claimed by one conditional update. */
  async sweep(): Promise<{ warned: number; breached: number }> {
    const now = this.deps.now();
    let warned = 0;
    for (const c of await ConversationModel.find({ 'sla.warnAt': { $lte: now } })
      .limit(200)
      .lean()) {
      const res = await ConversationModel.updateOne({ tenantId: c.tenantId, _id: c._id, 'sla.warnAt': c.sla!.warnAt }, { $unset: { 'sla.warnAt': 1 } });
      if (!res.modifiedCount) continue;
      warned++;
      await this.live.event({
        type: 'sla.warning',
        tenantId: c.tenantId,
        conversationId: String(c._id),
        state: c.state,
        assigneeId: c.assigneeId ?? undefined,
      });
    }
    let breached = 0;
    for (const c of await ConversationModel.find({ 'sla.dueAt': { $lte: now } })
      .limit(200)
      .lean()) {
      const settings = await this.rules.settings(c.tenantId);
      // A team's chat goes to that team's manager; without one (or no team), to the supervisor role as before.
      const manager = c.teamId ? await this.teams.manager(c.tenantId, c.teamId) : null;
      const to = manager ? { escalatedToId: manager.id, escalatedToName: manager.name } : {};
      const breach = {
        kind: c.sla!.kind ?? 'first',
        dueAt: c.sla!.dueAt,
        at: now,
        assigneeId: c.assigneeId ?? undefined,
        escalatedTo: manager ? 'manager' : settings.supervisorRole,
        ...to,
      };
      const res = await ConversationModel.updateOne(
        { tenantId: c.tenantId, _id: c._id, 'sla.dueAt': c.sla!.dueAt },
        // The breached due time moves to `overdueSince`: the page keeps showing how late the answer is.
        { $unset: { 'sla.dueAt': 1, 'sla.warnAt': 1 }, $set: { 'sla.overdueSince': c.sla!.dueAt, ...to }, $push: { 'sla.breaches': breach } },
      );
      if (!res.modifiedCount) continue;
      breached++;
      this.deps.log.warn({ tenantId: c.tenantId, conversationId: String(c._id), kind: breach.kind, assigneeId: breach.assigneeId }, 'response target breached');
      await this.live.event({
        type: 'sla.breached',
        tenantId: c.tenantId,
        conversationId: String(c._id),
        state: c.state,
        assigneeId: c.assigneeId ?? undefined,
        escalatedTo: breach.escalatedTo,
        ...to,
      });
    }
    return { warned, breached };
  }

  /** Per-tenant figures for the dashboard: responses, average and first-response times, breaches. */
  async figures(tenantId: string, since: Date) {
    const rows = await ConversationModel.find({ tenantId, updatedAt: { $gte: since } })
      .select({ sla: 1 })
      .lean();
    let responses = 0;
    let total = 0;
    let firsts = 0;
    let firstTotal = 0;
    let breaches = 0;
    for (const r of rows) {
      responses += r.sla?.responses ?? 0;
      total += r.sla?.totalResponseMs ?? 0;
      if (typeof r.sla?.firstResponseMs === 'number') {
        firsts++;
        firstTotal += r.sla.firstResponseMs;
      }
      breaches += r.sla?.breaches?.length ?? 0;
    }
    return {
      conversations: rows.length,
      responses,
      averageResponseMs: responses ? Math.round(total / responses) : null,
      averageFirstResponseMs: firsts ? Math.round(firstTotal / firsts) : null,
      breaches,
    };
  }
}
