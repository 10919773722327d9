import type { Deps } from '../../shared/deps.js';
import type { Extensions } from '../../shared/extensions.js';
import type { CustomerService } from '../customers/customer.service.js';
import type { StaffService } from '../staff/staff.service.js';
import { ConversationModel, MessageModel, type ChatRef, type ConversationDoc } from './conversation.model.js';
import { ConversationService, type CaptureInput, type CaptureResult } from './conversation.service.js';
import { OutboundService } from './outbound.service.js';
import { ChatGroupService } from './chat-group.service.js';
import { HandoffService, type Actor } from './handoff.service.js';
import { SlaService } from './sla.service.js';
import { TriageService } from './triage.service.js';
import { TeamService } from './desk-team.service.js';
import { MentionService } from './mention.service.js';
import { AttachmentService } from './attachment.service.js';
import { attachmentStore } from './attachment-store.js';
import { ReplyRuleService } from './reply-rule.service.js';
import { BotCommandService } from './bot-command.service.js';
import { DeskFiguresService } from './desk-figures.service.js';
import { DeskLive } from './desk-live.js';
import type { LoyaltyPort } from './loyalty-port.js';

/** A message's kind (text, image, file…), for channels that translate their provider's. */
export type { ChatRef, MessageType } from './conversation.model.js';
import type { ChatProfile } from './chat-profile.js';
import { notFailed, notYours, wrongState } from './conversations.exception.js';
import { messageView } from './conversation.view.js';
import { say } from '../../i18n/zh-CN.js';

export interface InboundResult extends CaptureResult {
  /** True when the bot holds the chat and may answer; false while a human (or the queue) has it. */
  botMayReply: boolean;
}

/**
 * What a channel with sending limits (微信客服: 5 messages within 48 h of the customer's last one)
 * checks before an agent's reply is queued: takes one send or throws the refusal the agent sees.
 * The returned function gives the send back (a retried request that queued nothing new).
 */
export interface ChannelGate {
  /** The conversation channel it gates (`wechat_kf`). */
  channel: string;
  reserve(tenantId: string, conversation: ConversationDoc): Promise<() => Promise<void>>;
}

/** A channel module (微信客服) contributes its gate through its manifest; a channel without one is not gated. */
/**
 * In-process observer of a conversation's handoff changes, called by the process that made the change
 * (a channel mirroring the state at its provider: 微信客服's service_state). Must not throw.
 */
export interface ConversationObserver {
  onUpdated(tenantId: string, conversation: ChatRef): void;
}

declare module '../../shared/extensions.js' {
  interface ExtensionPoints {
    'desk.channel-gate': ChannelGate;
    'desk.conversation-observer': ConversationObserver;
  }
}

/**
 * The service desk: the conversations module's front door. The bot adapter reports what happened
 * (`handleInbound`, room joins) and asks what to do; agents act through the routes. The parts are
 * separate services; this wires them and holds the few flows that span them.
 */
export class DeskService {
  readonly live: DeskLive;
  readonly conversations: ConversationService;
  readonly groups: ChatGroupService;
  readonly outbound: OutboundService;
  readonly rules: ReplyRuleService;
  /** The bot's built-in commands (人工, 积分, 签到…) as the tenant set them. */
  readonly commands = new BotCommandService();
  /** The 数据 page's desk figures for a period, per agent too. */
  readonly figures = new DeskFiguresService();
  readonly sla: SlaService;
  readonly handoff: HandoffService;
  readonly triage: TriageService;
  readonly teams: TeamService;
  /** Notes that @mention colleagues, and each colleague's 提及我. */
  readonly mentions: MentionService;
  /** Images and files both ways, kept in the store DESK_ATTACHMENT_STORE names. */
  readonly attachments: AttachmentService;

  constructor(
    private readonly deps: Deps,
    private readonly customers: CustomerService,
    staff: StaffService,
    /** The bot's `积分`/`签到`/`优惠券` commands and the `{points}` variable; none without loyalty. */
    readonly loyalty?: LoyaltyPort,
    private readonly extensions?: Extensions,
  ) {
    this.live = new DeskLive(deps.redis, deps.log, deps.now);
    this.groups = new ChatGroupService((tenantId, contact) => this.conversations.identifyContact(tenantId, contact));
    this.conversations = new ConversationService(deps, customers, this.live, this.groups, extensions);
    this.outbound = new OutboundService(deps, this.conversations, this.live);
    this.rules = new ReplyRuleService(deps);
    this.teams = new TeamService(deps, staff, customers, loyalty);
    this.sla = new SlaService(deps, this.rules, this.live, this.teams);
    this.handoff = new HandoffService(deps, this.conversations, this.outbound, this.sla, staff, customers, this.teams);
    this.triage = new TriageService(deps, this.conversations);
    this.mentions = new MentionService(this.conversations, staff, this.live);
    this.attachments = new AttachmentService(attachmentStore(deps.config));
  }

  /** Stores an inbound (or the account's own) message and says whether the bot may answer it. */
  async handleInbound(tenantId: string, input: CaptureInput): Promise<InboundResult> {
    const r = await this.conversations.capture(tenantId, input);
    if (!r.duplicate && input.talker === 'self' && input.author === 'account' && input.peer.kind === 'private') {
      // A person answered from the phone (not an echo of the bot or an agent reply): the bot steps
      // back in this chat for a while instead of talking over them.
      const { manualPauseSeconds } = await this.rules.settings(tenantId);
      await ConversationModel.updateOne(
        { tenantId, _id: r.conversation._id },
        { $set: { botQuietUntil: new Date(this.deps.now().getTime() + manualPauseSeconds * 1000) } },
      );
    }
    if (r.duplicate || input.talker === 'self') return { ...r, botMayReply: false };
    let c = r.conversation;
    if (c.state === 'resolved') {
      await this.handoff.backToBot(tenantId, String(c._id));
      c = await this.conversations.get(tenantId, String(c._id));
    }
    if (c.state === 'queued' || c.state === 'assigned') await this.sla.customerWrote(tenantId, c, input.at);
    if (c.state === 'queued' && input.peer.kind === 'private') await this.handoff.remindPlace(tenantId, c);
    const quiet = c.botQuietUntil && new Date(c.botQuietUntil).getTime() > this.deps.now().getTime();
    return { ...r, conversation: c, botMayReply: c.state === 'bot' && !quiet };
  }

  /** Nothing answered the customer's question; returns how many times in a row that happened. */
  async noMatch(tenantId: string, conversationId: string): Promise<number> {
    const c = await ConversationModel.findOneAndUpdate({ tenantId, _id: conversationId }, { $inc: { noMatchStreak: 1 } }, { returnDocument: 'after' }).lean();
    return c?.noMatchStreak ?? 0;
  }

  /**
   * Something answered: the no-match streak starts over. `knownStreak` is the streak as read this
   * turn; 0 spares the write (only this chat's own turns raise it, and the bot runs those in order).
   */
  async matched(tenantId: string, conversationId: string, knownStreak?: number): Promise<void> {
    if (knownStreak === 0) return;
    await ConversationModel.updateOne({ tenantId, _id: conversationId, noMatchStreak: { $ne: 0 } }, { $set: { noMatchStreak: 0 } });
  }

  /** An agent's reply (typed or canned), queued for the bot; only the assignee (or an admin) may reply. */
  async reply(tenantId: string, conversationId: string, actor: Actor, input: { text?: string; cannedReplyId?: string; attachmentId?: string; key?: string }) {
    const c = await this.conversations.get(tenantId, conversationId);
    if (c.state !== 'assigned') throw wrongState(c.state, 'take the conversation over before replying');
    if (c.assigneeId !== actor.id && actor.role !== 'admin') throw notYours();
    const attachment = input.attachmentId ? await this.attachments.ref(tenantId, input.attachmentId) : undefined;
    const text = input.cannedReplyId
      ? await this.render(tenantId, (await this.rules.getCanned(tenantId, input.cannedReplyId)).text, c.customerId ? String(c.customerId) : undefined)
      : (input.text ?? '');
    const channel = c.channel ?? 'wechaty';
    const release = await this.extensions
      ?.all('desk.channel-gate')
      .find((g) => g.channel === channel)
      ?.reserve(tenantId, c);
    const r = await this.outbound
      .enqueue(tenantId, c, {
        author: 'agent',
        text,
        attachment,
        staffId: actor.id,
        staffName: actor.name,
        key: input.key ? `reply:${actor.id}:${input.key}` : undefined,
      })
      .catch(async (err) => {
        await release?.();
        throw err;
      });
    if (r.duplicate) await release?.();
    if (!r.duplicate) await this.sla.agentReplied(tenantId, conversationId, this.deps.now());
    const message = await MessageModel.findOne({ tenantId, outboundId: r.id }).lean();
    return { duplicate: r.duplicate, message: message ? messageView(message) : undefined };
  }

  /** 重试 on a failed reply or notice: queued again for its channel; the chat's assignee (or an admin) only. */
  async retryDelivery(tenantId: string, messageId: string, actor: Actor) {
    const m = await this.conversations.message(tenantId, messageId);
    if (!m.outboundId || m.delivery !== 'failed') throw notFailed(m.delivery);
    const c = await this.conversations.get(tenantId, String(m.conversationId));
    if (c.assigneeId !== actor.id && actor.role !== 'admin') throw notYours();
    if (!(await this.outbound.retry(tenantId, String(m.outboundId)))) throw notFailed('queued');
    // The answer says what the retry did: queued again, the old reason gone. Reading the row back
    // raced the channel, which the retry wakes and which may already have sent it (that arrives live).
    return messageView({ ...m, delivery: 'queued', deliveryError: undefined });
  }

  /** Fills `{name}` and `{points}` from the customer's profile (`known`: as read this turn) and loyalty balance. */
  async render(tenantId: string, text: string, customerId?: string, known?: ChatProfile): Promise<string> {
    let name = say('bot.unknownName');
    let points = '0';
    if (customerId) {
      const c = known?.id === customerId ? known : await this.customers.get(tenantId, customerId).catch(() => null);
      if (c?.name) name = c.name;
      if (text.includes('{points}') && this.loyalty) points = String((await this.loyalty.balance(tenantId, customerId))?.points ?? 0);
    }
    return text.replaceAll('{name}', name).replaceAll('{points}', points);
  }

  /** The customer summary shown beside the history. */
  async customerSummary(tenantId: string, customerId?: string) {
    if (!customerId) return null;
    const c = await this.customers.get(tenantId, customerId).catch(() => null);
    if (!c) return null;
    const balance = this.loyalty ? await this.loyalty.balance(tenantId, String(c._id)).catch(() => null) : null;
    return {
      id: String(c._id),
      name: c.name,
      avatar: c.avatar,
      tags: c.tags ?? [],
      ownerStaffId: c.ownerStaffId,
      orderCount: c.aggregates?.orderCount ?? 0,
      totalPaid: c.aggregates?.totalPaid ?? 0,
      lastOrderAt: c.aggregates?.lastOrderAt,
      points: balance?.points ?? null,
      tier: balance?.tier ?? null,
    };
  }
}
