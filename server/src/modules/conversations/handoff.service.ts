import type { Deps } from '../../shared/deps.js';
import { AppError, notFound } from '../../shared/app-error.js';
import { isDuplicateKeyError } from '../../shared/db.js';
import type { StaffService, StaffView } from '../staff/staff.service.js';
import type { CustomerService } from '../customers/customer.service.js';
import { ConversationModel, type ChatRef, type ConversationDoc, type ConversationState, type ResolveReason } from './conversation.model.js';
import { DeskAgentModel } from './desk-config.model.js';
import { DeskSeats } from './desk-seats.js';
import type { ConversationService } from './conversation.service.js';
import type { OutboundService } from './outbound.service.js';
import type { SlaService } from './sla.service.js';
import type { TeamService } from './desk-team.service.js';
import { describeOpening, isOpen, addBusinessTime } from './business-hours.js';
import { say } from '../../i18n/zh-CN.js';
import { ConversationErrorCode, notYours, wrongState } from './conversations.exception.js';

export interface Actor {
  id: string;
  name: string;
  role: string;
}

/**
 * Who holds a conversation: bot → queued → assigned(agent) → resolved → bot. Every switch is one
 * conditional update on the current state, so two agents (or an agent and the queue) cannot both win.
 * Assignment is round-robin over online agents by least recent assignment, the customer's owner
 * first; seats per agent are counted by conditional updates so capacity holds under races. A chat
 * routed to a team waits in that team's queue and goes to the team's members only.
 */
/** KEYS[1] holds the end of the running pause; ARGV: now, the new pause's end, its length (ms). */
const QUIET_REMINDERS = `
local ends = tonumber(redis.call('GET', KEYS[1]) or '0')
if ends > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

export class HandoffService {
  private readonly seats: DeskSeats;

  constructor(
    private readonly deps: Deps,
    private readonly conversations: ConversationService,
    private readonly outbound: OutboundService,
    private readonly sla: SlaService,
    private readonly staff: StaffService,
    private readonly customers: CustomerService,
    private readonly teams: TeamService,
  ) {
    this.seats = new DeskSeats(deps);
  }

  /** Hands a bot conversation to the humans; does nothing if a human already has it. */
  async requestHuman(tenantId: string, conversationId: string, reason: string) {
    const now = this.deps.now();
    const before = await this.conversations.get(tenantId, conversationId);
    if (!['bot', 'resolved'].includes(before.state)) return { queued: false, conversation: before };
    // The routing rules pick the team (keyword, tag, tier); none matching keeps the general queue.
    const team = await this.teams.route(tenantId, before);
    const teamFields = team ? { teamId: team.id, teamName: team.name } : {};
    const after = await ConversationModel.findOneAndUpdate(
      { tenantId, _id: conversationId, state: { $in: ['bot', 'resolved'] } },
      {
        $set: {
          state: 'queued',
          queuedAt: now,
          handoffReason: reason,
          noMatchStreak: 0,
          unread: 1,
          ...teamFields,
          ...(await this.sla.clock(tenantId, 'first', now, team?.id)),
        },
        $unset: {
          assigneeId: 1,
          assigneeName: 1,
          assignedAt: 1,
          resolvedAt: 1,
          resolveReason: 1,
          escalatedToId: 1,
          escalatedToName: 1,
          ...(team ? {} : { teamId: 1, teamName: 1 }),
        },
      },
      { returnDocument: 'after' },
    ).lean();
    if (!after) return { queued: false, conversation: await this.conversations.get(tenantId, conversationId) };
    await this.conversations.announce(tenantId, after, 'conversation.updated');
    await this.drainQueue(tenantId);
    const current = await this.conversations.get(tenantId, conversationId);
    if (current.state === 'queued') {
      await this.quietReminders(String(current._id));
      await this.notify(tenantId, current, await this.placeInQueue(tenantId, current, say('handoff.queued')), `queued:${current._id}:${now.getTime()}`);
    }
    return { queued: true, conversation: current };
  }

  /**
   * A customer who writes while waiting hears where they are now — once per
   * DESK_QUEUE_REMINDER_SECONDS however much they write (the first answer when queued counts), so a
   * queue that moved is not a silent one and a flood of messages is not answered by a flood.
   * Without Redis there is no reminder: the customer already heard their place once.
   */
  async remindPlace(tenantId: string, conversation: ChatRef & { state: string; queuedAt?: Date | null; teamId?: string | null }): Promise<void> {
    if (conversation.state !== 'queued' || !(await this.quietReminders(String(conversation._id)))) return;
    const now = this.deps.now();
    await this.notify(
      tenantId,
      conversation,
      await this.placeInQueue(tenantId, conversation, say('handoff.stillQueued')),
      `queue-place:${conversation._id}:${now.getTime()}`,
    );
  }

  /**
   * Starts the reminder pause for a conversation; false if one is running (or Redis is away). The
   * pause ends by the product's clock (the key holds its end); the key's own expiry only tidies up.
   */
  private async quietReminders(conversationId: string): Promise<boolean> {
    const ms = this.deps.config.DESK_QUEUE_REMINDER_SECONDS * 1000;
    const now = this.deps.now().getTime();
    const started = await this.deps.redis.eval(QUIET_REMINDERS, 1, `desk:queue-reminder:${conversationId}`, now, now + ms, ms).catch(() => null);
    return started === 1;
  }

  /**
   * "…, 您前面还有 N 位" (in the chat's own queue: its team's, or the general one) — or, outside business
   * hours, when the desk opens; with nobody at the desk, that rather than a promise of a short wait.
   */
  private async placeInQueue(tenantId: string, c: { queuedAt?: Date | null; customerId?: unknown; teamId?: string | null }, lead: string): Promise<string> {
    const { hours } = await this.sla.settings(tenantId);
    const now = this.deps.now();
    if (hours && !isOpen(now, hours)) {
      return say('handoff.afterHours', { lead, opening: describeOpening(addBusinessTime(now, 0, hours), hours) });
    }
    const team = c.teamId ? await this.teams.find(tenantId, c.teamId) : null;
    if (!(await this.anyoneThere(tenantId, c.customerId ? String(c.customerId) : undefined, team?.memberIds))) {
      return say('handoff.nobodyOnline', { lead });
    }
    const ahead = await ConversationModel.countDocuments({ tenantId, state: 'queued', teamId: c.teamId ?? null, queuedAt: { $lt: c.queuedAt } });
    return say('handoff.ahead', { lead, ahead });
  }

  /**
   * Assigns queued conversations, oldest first, while an online agent has a free seat: the general
   * queue to agents, each team's queue to its members (a full team does not hold up the others).
   */
  async drainQueue(tenantId: string): Promise<number> {
    const teamIds = (await ConversationModel.distinct('teamId', { tenantId, state: 'queued' })).filter((t): t is string => typeof t === 'string');
    let assigned = await this.drainOne(tenantId, null);
    for (const teamId of teamIds) assigned += await this.drainOne(tenantId, teamId);
    return assigned;
  }

  private async drainOne(tenantId: string, teamId: string | null): Promise<number> {
    // A team deleted meanwhile has had its chats moved to the general queue; one left over goes to agents.
    const members = teamId ? (await this.teams.find(tenantId, teamId))?.memberIds : undefined;
    let assigned = 0;
    for (let guard = 0; guard < 500; guard++) {
      const next = await ConversationModel.findOne({ tenantId, state: 'queued', teamId: teamId ?? null })
        .sort({ queuedAt: 1 })
        .lean();
      if (!next) break;
      const agent = await this.pickAgent(tenantId, next.customerId ? String(next.customerId) : undefined, members);
      if (!agent) break;
      if (await this.assign(tenantId, next, agent, ['queued'])) assigned++;
      else await this.seats.release(tenantId, agent.id);
    }
    return assigned;
  }

  /** An agent takes a chat from the bot or the queue (or back from resolved) without waiting. */
  async takeOver(tenantId: string, conversationId: string, actor: Actor) {
    const c = await this.conversations.get(tenantId, conversationId);
    if (c.state === 'assigned') {
      if (c.assigneeId === actor.id) return c;
      throw notYours();
    }
    // Taking a chat means working the desk: the sweep would otherwise requeue an offline holder's chat.
    if (!(await this.staff.get(tenantId, actor.id).catch(() => null))?.online) await this.staff.update(tenantId, actor.id, { online: true });
    await this.seats.take(tenantId, actor.id, 0, true);
    const ok = await this.assign(tenantId, c, { id: actor.id, name: actor.name }, ['bot', 'queued', 'resolved']);
    if (!ok) {
      await this.seats.release(tenantId, actor.id);
      const now = await this.conversations.get(tenantId, conversationId);
      // The queue gave it to them at the same moment: theirs all the same.
      if (now.state === 'assigned' && now.assigneeId === actor.id) return now;
      throw wrongState(now.state, 'reload it and try again');
    }
    return this.conversations.get(tenantId, conversationId);
  }

  /**
   * Hands an assigned chat to a team rather than a person: it joins that team's queue (its original
   * queue time kept, so it does not go behind later arrivals) and the same fair routing gives it to
   * a team member with a free seat, or it waits there. The running response clock keeps going: the
   * customer is still waiting. The history keeps who handed it over, to which team and why.
   */
  async transferToTeam(tenantId: string, conversationId: string, actor: Actor, teamId: string, reason?: string) {
    const c = await this.conversations.get(tenantId, conversationId);
    if (c.state !== 'assigned') throw wrongState(c.state, 'only an assigned conversation can be transferred');
    if (c.assigneeId !== actor.id && actor.role !== 'admin') throw notYours();
    const team = await this.teams.find(tenantId, teamId);
    if (!team) throw notFound('Team');
    const after = await ConversationModel.findOneAndUpdate(
      { tenantId, _id: conversationId, state: 'assigned', assigneeId: c.assigneeId },
      {
        $set: {
          state: 'queued',
          queuedAt: c.queuedAt ?? this.deps.now(),
          teamId: team.id,
          teamName: team.name,
          handoffReason: reason ? say('handoff.teamReasonWith', { reason }) : say('handoff.teamReason'),
        },
        $unset: { assigneeId: 1, assigneeName: 1, assignedAt: 1, snoozedUntil: 1 },
      },
      { returnDocument: 'after' },
    ).lean();
    if (!after) throw wrongState('changed meanwhile', 'reload it and try again');
    await this.seats.release(tenantId, c.assigneeId!);
    await this.conversations.addEvent(
      tenantId,
      after,
      actor,
      reason ? say('history.toTeamWith', { actor: actor.name, team: team.name, reason }) : say('history.toTeam', { actor: actor.name, team: team.name }),
    );
    await this.conversations.announce(tenantId, after, 'conversation.updated');
    await this.notify(tenantId, after, say('handoff.toTeam', { team: team.name }), `transfer-team:${conversationId}:${this.deps.now().getTime()}`);
    await this.drainQueue(tenantId);
    return this.conversations.get(tenantId, conversationId);
  }

  async transfer(tenantId: string, conversationId: string, actor: Actor, toStaffId: string, reason?: string) {
    const c = await this.conversations.get(tenantId, conversationId);
    if (c.state !== 'assigned') throw wrongState(c.state, 'only an assigned conversation can be transferred');
    if (c.assigneeId !== actor.id && actor.role !== 'admin') throw notYours();
    const to = await this.staff.get(tenantId, toStaffId).catch(() => null);
    if (!to || !to.active || !['agent', 'admin'].includes(to.role)) throw notFound('Agent');
    if (!to.online)
      throw new AppError(ConversationErrorCode.AGENT_UNAVAILABLE, `${to.name} is offline; pick an online agent`, { status: 409, details: { name: to.name } });
    if (to.id === c.assigneeId) return c;
    await this.seats.take(tenantId, to.id, 0, true);
    const after = await ConversationModel.findOneAndUpdate(
      { tenantId, _id: conversationId, state: 'assigned', assigneeId: c.assigneeId },
      { $set: { assigneeId: to.id, assigneeName: to.name, assignedAt: this.deps.now(), unread: 0 }, $unset: { snoozedUntil: 1 } },
      { returnDocument: 'after' },
    ).lean();
    if (!after) {
      await this.seats.release(tenantId, to.id);
      throw wrongState('changed meanwhile', 'reload it and try again');
    }
    await this.seats.release(tenantId, c.assigneeId!);
    await this.conversations.addEvent(
      tenantId,
      after,
      actor,
      reason ? say('history.toStaffWith', { actor: actor.name, to: to.name, reason }) : say('history.toStaff', { actor: actor.name, to: to.name }),
    );
    await this.conversations.announce(tenantId, after, 'conversation.updated');
    await this.notify(tenantId, after, say('handoff.transferred', { name: to.name }), `transfer:${conversationId}:${after.assignedAt!.getTime()}`);
    return after;
  }

  /**
   * Ends the human part with the agent's reason; the next customer message goes to the bot again.
   * Resolving a chat that is resolved already (a double click, a retried request) answers it as it is
   * and tells the customer nothing twice.
   */
  async resolve(tenantId: string, conversationId: string, actor: Actor, reason: ResolveReason = 'solved') {
    const c = await this.conversations.get(tenantId, conversationId);
    if (c.state === 'resolved') return c;
    if (!['queued', 'assigned'].includes(c.state)) throw wrongState(c.state, 'only a queued or assigned conversation can be resolved');
    if (c.state === 'assigned' && c.assigneeId !== actor.id && actor.role !== 'admin') throw notYours();
    const after = await ConversationModel.findOneAndUpdate(
      { tenantId, _id: conversationId, state: c.state, ...(c.assigneeId ? { assigneeId: c.assigneeId } : {}) },
      { $set: { state: 'resolved', resolvedAt: this.deps.now(), resolveReason: reason, unread: 0 }, $unset: { ...this.sla.stopFields(), snoozedUntil: 1 } },
      { returnDocument: 'after' },
    ).lean();
    if (!after) throw wrongState('changed meanwhile', 'reload it and try again');
    if (c.assigneeId) await this.seats.release(tenantId, c.assigneeId);
    await this.conversations.announce(tenantId, after, 'conversation.updated');
    await this.notify(tenantId, after, say('handoff.resolved'), `resolved:${conversationId}:${after.resolvedAt!.getTime()}`);
    await this.drainQueue(tenantId);
    return after;
  }

  /**
   * An agent opens a resolved chat again (the customer's matter was not done): it is theirs, as if
   * taken, and the resolve reason goes. Reopening a chat the agent already holds changes nothing.
   */
  async reopen(tenantId: string, conversationId: string, actor: Actor) {
    const c = await this.conversations.get(tenantId, conversationId);
    if (c.state === 'assigned' && c.assigneeId === actor.id) return c;
    if (c.state !== 'resolved') throw wrongState(c.state, 'only a resolved conversation can be reopened');
    return this.takeOver(tenantId, conversationId, actor);
  }

  /** A customer wrote to a resolved chat: the bot has it again. */
  async backToBot(tenantId: string, conversationId: string): Promise<void> {
    await ConversationModel.updateOne({ tenantId, _id: conversationId, state: 'resolved' }, { $set: { state: 'bot', noMatchStreak: 0 } });
  }

  /** Agents go online and offline; going offline puts their chats back in the queue for others. */
  async setPresence(tenantId: string, staffId: string, online: boolean, capacity?: number): Promise<StaffView> {
    const view = await this.staff.update(tenantId, staffId, { online, ...(capacity !== undefined ? { capacity } : {}) });
    if (online) await this.seen(tenantId, staffId);
    if (!online) await this.requeueFrom(tenantId, staffId);
    await this.drainQueue(tenantId);
    return view;
  }

  /** What the agent's inbox shows: online or not, and chats held against their capacity. */
  async presence(tenantId: string, staffId: string): Promise<{ online: boolean; capacity: number; active: number }> {
    const [me, active] = await Promise.all([this.staff.get(tenantId, staffId), this.seats.held(tenantId, staffId)]);
    return { online: me.online, capacity: me.capacity, active };
  }

  /** A sign of life from an agent's console (its live stream, a presence call). */
  async seen(tenantId: string, staffId: string): Promise<void> {
    const filter = { tenantId, staffId };
    const update = { $set: { lastSeenAt: this.deps.now() } };
    await DeskAgentModel.updateOne(filter, update, { upsert: true }).catch((err) => {
      if (!isDuplicateKeyError(err)) throw err;
      return DeskAgentModel.updateOne(filter, update);
    });
  }

  /**
   * Agents whose console went quiet (laptop closed, network gone) for DESK_PRESENCE_TIMEOUT_SECONDS
   * are taken offline, so their chats go to someone who is there. Each absence is claimed once;
   * agents never seen through a console (set online by an admin) are left as they are.
   */
  async expireAbsent(): Promise<number> {
    const cutoff = new Date(this.deps.now().getTime() - this.deps.config.DESK_PRESENCE_TIMEOUT_SECONDS * 1000);
    let n = 0;
    for (const row of await DeskAgentModel.find({ lastSeenAt: { $lt: cutoff } })
      .limit(200)
      .lean()) {
      const claimed = await DeskAgentModel.updateOne({ _id: row._id, lastSeenAt: row.lastSeenAt }, { $unset: { lastSeenAt: 1 } });
      if (!claimed.modifiedCount) continue;
      const staff = await this.staff.get(row.tenantId, row.staffId).catch(() => null);
      if (!staff?.online) continue;
      this.deps.log.info({ tenantId: row.tenantId, staffId: row.staffId }, 'agent console silent; taking the agent offline');
      await this.setPresence(row.tenantId, row.staffId, false);
      n++;
    }
    return n;
  }

  /** Puts an offline agent's chats back at the front of the queue (they keep their original queue time). */
  async requeueFrom(tenantId: string, staffId: string): Promise<number> {
    const held = await ConversationModel.find({ tenantId, state: 'assigned', assigneeId: staffId }).lean();
    let moved = 0;
    for (const c of held) {
      const after = await ConversationModel.findOneAndUpdate(
        { tenantId, _id: c._id, state: 'assigned', assigneeId: staffId },
        {
          $set: { state: 'queued', queuedAt: c.queuedAt ?? c.assignedAt ?? this.deps.now(), handoffReason: 'agent went offline' },
          $unset: { assigneeId: 1, assigneeName: 1, assignedAt: 1, snoozedUntil: 1 },
        },
        { returnDocument: 'after' },
      ).lean();
      if (!after) continue;
      moved++;
      await this.seats.release(tenantId, staffId);
      await this.conversations.announce(tenantId, after, 'conversation.updated');
    }
    return moved;
  }

  /** The 'conversations.assign-queued' job: requeues chats of agents who went offline by other means, then assigns. */
  async sweep(): Promise<number> {
    await this.expireAbsent();
    const tenants = (
      await ConversationModel.find({ state: { $in: ['queued', 'assigned'] } })
        .select({ tenantId: 1 })
        .limit(5000)
        .lean()
    ).map((c) => c.tenantId);
    let assigned = 0;
    for (const tenantId of new Set(tenants)) {
      const holders = new Set((await ConversationModel.find({ tenantId, state: 'assigned' }).select({ assigneeId: 1 }).lean()).map((c) => c.assigneeId!));
      if (holders.size) {
        const online = new Set((await this.staff.list(tenantId, { online: true })).map((s) => s.id));
        for (const id of holders) if (!online.has(id)) await this.requeueFrom(tenantId, id);
      }
      await this.seats.reconcile(tenantId);
      assigned += await this.drainQueue(tenantId);
    }
    return assigned;
  }

  private async assign(tenantId: string, c: ConversationDoc, agent: { id: string; name: string }, from: ConversationState[]): Promise<boolean> {
    const after = await ConversationModel.findOneAndUpdate(
      { tenantId, _id: c._id, state: { $in: from } },
      { $set: { state: 'assigned', assigneeId: agent.id, assigneeName: agent.name, assignedAt: this.deps.now() }, $unset: { resolvedAt: 1, resolveReason: 1 } },
      { returnDocument: 'after' },
    ).lean();
    if (!after) return false;
    await this.conversations.announce(tenantId, after, 'conversation.updated');
    await this.notify(tenantId, after, say('handoff.assigned', { name: agent.name }), `assigned:${c._id}:${after.assignedAt!.getTime()}`);
    return true;
  }

  /** Whether someone who could take the chat is online (an agent or team member, or the customer's own rep). */
  private async anyoneThere(tenantId: string, customerId?: string, members?: string[]): Promise<boolean> {
    const online = await this.staff.list(tenantId, { online: true });
    if (online.some((s) => (members ? members.includes(s.id) : s.role === 'agent'))) return true;
    const ownerId = customerId ? (await this.customers.get(tenantId, customerId).catch(() => null))?.ownerStaffId : undefined;
    return !!ownerId && (!members || members.includes(ownerId)) && online.some((s) => s.id === ownerId);
  }

  /** `members`: the team's staff (the chat is in a team's queue); otherwise online agents. The owner goes first when they may take it. */
  private async pickAgent(tenantId: string, customerId?: string, members?: string[]): Promise<StaffView | null> {
    const online = await this.staff.list(tenantId, { online: true });
    const ownerId = customerId ? (await this.customers.get(tenantId, customerId).catch(() => null))?.ownerStaffId : undefined;
    const owner = online.find((s) => s.id === ownerId && (!members || members.includes(s.id)));
    const agents = online.filter((s) => (members ? members.includes(s.id) : s.role === 'agent') && s.id !== ownerId);
    const last = await this.seats.lastAssigned(
      tenantId,
      agents.map((a) => a.id),
    );
    agents.sort((a, b) => (last.get(a.id) ?? 0) - (last.get(b.id) ?? 0) || a.id.localeCompare(b.id));
    for (const candidate of owner ? [owner, ...agents] : agents) {
      if (await this.seats.take(tenantId, candidate.id, candidate.capacity)) return candidate;
    }
    return null;
  }

  /** Desk notices to the customer go through the same durable outbound rows as agent replies. */
  private async notify(tenantId: string, conversation: ChatRef, text: string, key: string): Promise<void> {
    await this.outbound.enqueue(tenantId, conversation, { author: 'system', text, key });
  }
}
