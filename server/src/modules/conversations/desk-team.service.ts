import type { Deps } from '../../shared/deps.js';
import { AppError, notFound } from '../../shared/app-error.js';
import { isDuplicateKeyError, type LeanDoc } from '../../shared/db.js';
import type { StaffService } from '../staff/staff.service.js';
import type { CustomerService } from '../customers/customer.service.js';
import { ConversationModel, MessageModel } from './conversation.model.js';
import { DeskSettingsModel } from './desk-config.model.js';
import { DeskTeamModel } from './desk-team.model.js';
import type { LoyaltyPort } from './loyalty-port.js';
import { ConversationErrorCode } from './conversations.exception.js';

export interface TeamInput {
  name: string;
  memberIds: string[];
  /** null: the tenant's target. */
  firstResponseSeconds?: number | null;
  nextResponseSeconds?: number | null;
  /** The staff member a breach in this team's chats escalates to; null: the tenant's supervisor role. */
  managerId?: string | null;
}

/** If the customer's last messages hold one of the keywords / the profile has one of the tags / the member's tier is one of these → the team. */
export interface RoutingRule {
  when: 'keyword' | 'tag' | 'tier';
  values: string[];
  teamId: string;
}

export interface TeamRef {
  id: string;
  name: string;
  memberIds: string[];
  firstResponseSeconds?: number;
  nextResponseSeconds?: number;
  managerId?: string;
}

const ref = (t: LeanDoc<typeof DeskTeamModel>): TeamRef => ({
  id: String(t._id),
  name: t.name,
  memberIds: t.memberIds ?? [],
  firstResponseSeconds: t.firstResponseSeconds ?? undefined,
  nextResponseSeconds: t.nextResponseSeconds ?? undefined,
  managerId: t.managerId ?? undefined,
});

/** How many of the customer's latest messages a keyword rule reads (the one that asked for a human and a little before). */
const ROUTING_MESSAGES = 3;

/**
 * Desk teams and the handoff routing: which team's queue a chat handed to humans waits in. Rules
 * are one ordered list per tenant (first match wins), saved whole so their order cannot tear.
 */
export class TeamService {
  constructor(
    private readonly deps: Deps,
    private readonly staff: StaffService,
    private readonly customers: CustomerService,
    private readonly loyalty?: LoyaltyPort,
  ) {}

  async list(tenantId: string) {
    const [teams, staff] = await Promise.all([DeskTeamModel.find({ tenantId }).sort({ name: 1 }).lean(), this.staff.list(tenantId, { status: 'all' })]);
    const byId = new Map(staff.map((s) => [s.id, s]));
    return teams.map((t) => ({
      ...ref(t),
      managerName: t.managerId ? (byId.get(t.managerId)?.name ?? t.managerId) : undefined,
      members: (t.memberIds ?? []).map((id) => ({
        id,
        name: byId.get(id)?.name ?? id,
        online: byId.get(id)?.online ?? false,
        active: byId.get(id)?.active ?? false,
      })),
    }));
  }

  /** The team, or null when it is gone (deleted meanwhile). */
  async find(tenantId: string, id: string): Promise<TeamRef | null> {
    const t = await DeskTeamModel.findOne({ tenantId, _id: id }).lean();
    return t ? ref(t) : null;
  }

  /** The team's manager (name for the page), or null: no team, no manager, or one no longer active. */
  async manager(tenantId: string, teamId: string): Promise<{ id: string; name: string } | null> {
    const team = await this.find(tenantId, teamId);
    if (!team?.managerId) return null;
    const s = await this.staff.get(tenantId, team.managerId).catch(() => null);
    return s?.active ? { id: s.id, name: s.name } : null;
  }

  async create(tenantId: string, input: TeamInput) {
    await this.checkMembers(tenantId, input.memberIds);
    if (input.managerId) await this.checkMembers(tenantId, [input.managerId], 'managerId');
    try {
      const doc = await DeskTeamModel.create({ tenantId, ...withoutNulls(input), memberIds: [...new Set(input.memberIds)] });
      return ref(doc.toObject());
    } catch (err) {
      throw isDuplicateKeyError(err) ? nameTaken(input.name) : err;
    }
  }

  async update(tenantId: string, id: string, patch: Partial<TeamInput>) {
    if (patch.memberIds) await this.checkMembers(tenantId, patch.memberIds);
    if (patch.managerId) await this.checkMembers(tenantId, [patch.managerId], 'managerId');
    const $set: Record<string, unknown> = {};
    const $unset: Record<string, 1> = {};
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) $unset[k] = 1;
      else if (v !== undefined) $set[k] = k === 'memberIds' ? [...new Set(v as string[])] : v;
    }
    const doc = await DeskTeamModel.findOneAndUpdate(
      { tenantId, _id: id },
      { ...(Object.keys($set).length ? { $set } : {}), ...(Object.keys($unset).length ? { $unset } : {}) },
      { returnDocument: 'after' },
    )
      .lean()
      .catch((err) => {
        throw isDuplicateKeyError(err) ? nameTaken(patch.name ?? '') : err;
      });
    if (!doc) throw notFound('Team');
    if (patch.name) await ConversationModel.updateMany({ tenantId, teamId: id }, { $set: { teamName: patch.name } });
    return ref(doc);
  }

  /** Refused while a routing rule sends chats to it; its chats move to the general queue. */
  async remove(tenantId: string, id: string): Promise<void> {
    const team = await this.find(tenantId, id);
    if (!team) throw notFound('Team');
    const used = (await this.routing(tenantId)).findIndex((r) => r.teamId === id);
    if (used >= 0) {
      throw new AppError(ConversationErrorCode.TEAM_IN_USE, `Routing rule ${used + 1} sends chats to ${team.name}; change or remove that rule first`, {
        status: 409,
        details: { name: team.name, rule: used + 1 },
      });
    }
    await DeskTeamModel.deleteOne({ tenantId, _id: id });
    await ConversationModel.updateMany({ tenantId, teamId: id }, { $unset: { teamId: 1, teamName: 1 } });
  }

  async routing(tenantId: string): Promise<RoutingRule[]> {
    const doc = await DeskSettingsModel.findOne({ tenantId }).select({ routing: 1 }).lean<{ routing?: RoutingRule[] }>();
    return (doc?.routing ?? []).map((r) => ({ when: r.when, values: r.values ?? [], teamId: r.teamId }));
  }

  /** Replaces the ordered rule list; every rule must name an existing team. */
  async setRouting(tenantId: string, rules: RoutingRule[]): Promise<RoutingRule[]> {
    const teams = new Set((await DeskTeamModel.find({ tenantId }).select({ _id: 1 }).lean()).map((t) => String(t._id)));
    const bad = rules.findIndex((r) => !teams.has(r.teamId));
    if (bad >= 0) {
      throw new AppError(ConversationErrorCode.ROUTING_TEAM_UNKNOWN, `Rule ${bad + 1}: the team no longer exists; pick another team`, {
        status: 400,
        details: { field: `rules.${bad}.teamId`, rule: bad + 1 },
      });
    }
    const routing = rules.map((r) => ({ when: r.when, values: r.when === 'keyword' ? r.values.map((v) => v.toLowerCase()) : r.values, teamId: r.teamId }));
    const filter = { tenantId };
    await DeskSettingsModel.updateOne(filter, { $set: { routing }, $setOnInsert: filter }, { upsert: true }).catch((err) => {
      if (!isDuplicateKeyError(err)) throw err;
      return DeskSettingsModel.updateOne(filter, { $set: { routing } });
    });
    return this.routing(tenantId);
  }

  /**
   * The team a chat handed over now goes to: the first rule that matches, or null (the general
   * queue, as without teams). The profile and the loyalty tier are read only when a rule needs them.
   */
  async route(tenantId: string, conversation: { _id: unknown; customerId?: unknown }): Promise<TeamRef | null> {
    const rules = await this.routing(tenantId);
    if (!rules.length) return null;
    const customerId = conversation.customerId ? String(conversation.customerId) : undefined;
    let text: string | undefined;
    let tags: string[] | undefined;
    let tier: string | null | undefined;
    for (const rule of rules) {
      let hit = false;
      if (rule.when === 'keyword') {
        text ??= (
          await MessageModel.find({ tenantId, conversationId: String(conversation._id), direction: 'in' })
            .sort({ at: -1 })
            .limit(ROUTING_MESSAGES)
            .lean()
        )
          .map((m) => m.text ?? '')
          .join('\n')
          .toLowerCase();
        hit = rule.values.some((v) => text!.includes(v));
      } else if (rule.when === 'tag' && customerId) {
        tags ??= (await this.customers.get(tenantId, customerId).catch(() => null))?.tags ?? [];
        hit = rule.values.some((v) => tags!.includes(v));
      } else if (rule.when === 'tier' && customerId && this.loyalty) {
        if (tier === undefined) tier = (await this.loyalty.balance(tenantId, customerId).catch(() => null))?.tierCode ?? null;
        hit = !!tier && rule.values.includes(tier);
      }
      if (!hit) continue;
      const team = await this.find(tenantId, rule.teamId);
      if (team) return team;
    }
    return null;
  }

  private async checkMembers(tenantId: string, ids: string[], as?: 'managerId'): Promise<void> {
    for (const [i, id] of ids.entries()) {
      const s = await this.staff.get(tenantId, id).catch(() => null);
      if (!s || !s.active) {
        const field = as ?? `memberIds.${i}`;
        throw new AppError(
          ConversationErrorCode.TEAM_MEMBER_UNKNOWN,
          `${field}: no active staff member has this id; pick ${as ? 'the manager' : 'members'} from the staff list`,
          {
            status: 400,
            details: { field, id },
          },
        );
      }
    }
  }
}

const nameTaken = (name: string) =>
  new AppError(ConversationErrorCode.TEAM_NAME_TAKEN, `A team named "${name}" exists already; pick another name`, {
    status: 409,
    details: { field: 'name', name },
  });

const withoutNulls = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
