import { randomBytes } from 'node:crypto';
import type {
  Attachment,
  ContactWay,
  CorpTagGroup,
  ExternalContact,
  FollowUser,
  GroupChat,
  GroupMsgSendResult,
  MsgTemplateInput,
} from '../../server/src/wecom/wecom-api.types.js';

/**
 * The local WeCom's memory: one corp with its staff (members with the customer-contact permission),
 * external contacts and who follows them, corp tags, contact ways, customer groups, and everything
 * our server asked it to send (welcome messages, group message templates), so tests can read it.
 */
export interface FakeFollow extends Omit<FollowUser, 'tags'> {
  tagIds: string[];
}

export interface FakeContact {
  contact: ExternalContact;
  follows: Map<string, FakeFollow>;
}

export interface SentWelcome {
  welcome_code: string;
  userid: string;
  external_userid: string;
  text?: { content: string };
  attachments?: Attachment[];
  at: number;
}

export interface FakeMsgTemplate {
  msgid: string;
  input: MsgTemplateInput;
  /** Only for messages a member created in their app (个人发表); the API's have none. */
  creator?: string;
  /** 0 企业发表 (through the API), 1 个人发表 */
  create_type: 0 | 1;
  create_time: number;
  /** per sender: 0 not yet sent, 2 sent (the staff confirmed in their WeCom app) */
  tasks: Map<string, { status: 0 | 2; send_time?: number }>;
  results: GroupMsgSendResult[];
  /** How many times remind_groupmsg_send was called for it. */
  reminders?: number;
}

export interface WelcomeCode {
  userid: string;
  external_userid: string;
  issuedAt: number;
  used: boolean;
}

export interface Fault {
  path: string;
  times: number;
  errcode?: number;
  errmsg?: string;
  httpStatus?: number;
  /** Let this many matching calls through before failing (a failure midway through paging). */
  skip?: number;
  /** Answer this much later (with the real answer unless errcode/httpStatus is also given): a slow WeCom. */
  delayMs?: number;
}

/** One customer handed over (在职/离职继承), as transfer_result reports it. */
export interface FakeTransfer {
  mode: 'in_service' | 'resigned';
  handover_userid: string;
  takeover_userid: string;
  external_userid: string;
  /** 1 taken over, 2 waiting, 3 refused by the customer, 4 takeover member at their limit */
  status: 1 | 2 | 3 | 4;
  takeover_time: number;
  create_time: number;
  transfer_success_msg?: string;
}

export const id = (prefix: string, bytes = 12) => `${prefix}${randomBytes(bytes).toString('hex')}`;
let clock: () => number = () => Date.now();
/** WeCom's clock; a test on a pinned app clock gives the fake the same one, so create times agree. */
export function setFakeClock(now: (() => Date) | undefined): void {
  clock = now ? () => now().getTime() : () => Date.now();
}
export const nowSeconds = () => Math.floor(clock() / 1000);

export class FakeCorp {
  readonly staff = new Map<string, { userid: string; name: string }>();
  readonly contacts = new Map<string, FakeContact>();
  readonly tagGroups: CorpTagGroup[] = [];
  readonly contactWays = new Map<string, ContactWay>();
  readonly groups = new Map<string, GroupChat & { status: number }>();
  readonly welcomeCodes = new Map<string, WelcomeCode>();
  readonly welcomesSent: SentWelcome[] = [];
  readonly msgTemplates = new Map<string, FakeMsgTemplate>();
  /**
   * The demo's stand-in for staff who tap 发送 in their WeCom app: when set, each group message is
   * confirmed this many ms after it is created. Tests leave it unset and confirm explicitly.
   */
  autoConfirmGroupMsgMs?: number;
  readonly tokens = new Map<string, number>();
  readonly tickets = { jsapi: 0, agent: 0 };
  readonly oauthCodes = new Map<string, string>();
  readonly calls: Array<{ method: string; path: string; query: Record<string, string>; body: Record<string, unknown>; at: number }> = [];
  readonly faults: Fault[] = [];
  readonly transfers: FakeTransfer[] = [];
  /** Members who left the company (userid → dimission time): their customers are on the unassigned list. */
  readonly resigned = new Map<string, number>();
  /** When each customer was transferred in service (WeCom allows 2 in 90 days). */
  readonly transferLog = new Map<string, number[]>();
  /** A member's customer limit, for the takeover-at-limit errcode (none unless a test sets one). */
  readonly customerLimit = new Map<string, number>();
  /** Callbacks an API call causes (a group's owner changed); sent right after the call is answered. */
  readonly outbox: Array<Record<string, string | number | undefined>> = [];
  gettokenCalls = 0;
  tokenTtlSeconds = 7200;
  /**
   * Group messages a customer or group may receive a day from the corp: the admin's 群发规则 set to
   * 每天接收一条 (doc 92135; WeCom's default is as many a month as the month has days).
   */
  receiveLimitPerDay = 1;
  /**
   * For this long after a group message is created its task and send results answer 41063 (群发消息
   * 正在被派发中); 0 (the default) answers at once.
   */
  dispatchingSeconds = 0;
  /** How long a welcome code stays valid (WeCom: 20 seconds). */
  welcomeWindowSeconds = 20;

  constructor(
    readonly corpId: string,
    readonly secret: string,
  ) {}

  addStaff(userid: string, name = userid): void {
    this.staff.set(userid, { userid, name });
  }

  upsertContact(input: Partial<ExternalContact> & { name: string }): ExternalContact {
    const external_userid = input.external_userid ?? id('wm', 14);
    const existing = this.contacts.get(external_userid);
    const contact: ExternalContact = { type: 1, gender: 0, ...existing?.contact, ...input, external_userid };
    this.contacts.set(external_userid, { contact, follows: existing?.follows ?? new Map() });
    return contact;
  }

  follow(userid: string, externalUserId: string, extra: Partial<FakeFollow> = {}): FakeFollow {
    if (!this.staff.has(userid)) throw new Error(`fake WeCom: no staff ${userid}`);
    const c = this.contacts.get(externalUserId);
    if (!c) throw new Error(`fake WeCom: no contact ${externalUserId}`);
    const f: FakeFollow = { userid, createtime: nowSeconds(), tagIds: [], remark: '', description: '', add_way: 1, ...c.follows.get(userid), ...extra };
    c.follows.set(userid, f);
    return f;
  }

  issueWelcomeCode(userid: string, externalUserId: string): string {
    const code = id('WELCOME', 10);
    this.welcomeCodes.set(code, { userid, external_userid: externalUserId, issuedAt: nowSeconds(), used: false });
    return code;
  }

  tagById(tagId: string) {
    for (const g of this.tagGroups) {
      const t = g.tag.find((x) => x.id === tagId);
      if (t) return { group: g, tag: t };
    }
    return undefined;
  }

  /**
   * Deletes corp tags and whole groups as WeCom does: the tags leave every contact they were on, and a
   * group goes with its last tag.
   */
  deleteCorpTags(tagIds: string[], groupIds: string[] = []): void {
    const gone = new Set([...tagIds, ...this.tagGroups.filter((g) => groupIds.includes(g.group_id)).flatMap((g) => g.tag.map((t) => t.id))]);
    for (const g of [...this.tagGroups]) {
      g.tag = g.tag.filter((t) => !gone.has(t.id));
      if (groupIds.includes(g.group_id) || g.tag.length === 0) this.tagGroups.splice(this.tagGroups.indexOf(g), 1);
    }
    for (const c of this.contacts.values()) for (const f of c.follows.values()) f.tagIds = f.tagIds.filter((t) => !gone.has(t));
  }

  followTags(f: FakeFollow) {
    return f.tagIds.flatMap((tid) => {
      const hit = this.tagById(tid);
      return hit ? [{ group_name: hit.group.group_name, tag_name: hit.tag.name, tag_id: tid, type: 1 as const }] : [];
    });
  }

  /**
   * What the staff confirming a group message in their WeCom app does. A customer or group that already
   * received `receiveLimitPerDay` group messages from the corp that day (Beijing time) is not sent
   * to: status 3 (超过接收上限, doc 92135).
   */
  confirmGroupMsg(msgid: string, userid?: string): void {
    const t = this.msgTemplates.get(msgid);
    if (!t) throw new Error(`fake WeCom: no group message ${msgid}`);
    const at = nowSeconds();
    for (const [sender, task] of t.tasks) {
      if (userid && sender !== userid) continue;
      task.status = 2;
      task.send_time = at;
      for (const r of t.results.filter((x) => x.userid === sender && x.status === 0)) {
        const still = r.external_userid ? this.contacts.get(r.external_userid)?.follows.has(sender) : true;
        const to = (r.external_userid ?? r.chat_id)!;
        r.status = !still ? 2 : this.receivedOn(to, at) >= this.receiveLimitPerDay ? 3 : 1;
        r.send_time = at;
      }
    }
  }

  /** Group messages `to` (a customer or a group) received on the Beijing day of `at`. */
  receivedOn(to: string, at: number): number {
    const day = (s: number) => Math.floor((s + 8 * 3600) / 86_400);
    let n = 0;
    for (const t of this.msgTemplates.values())
      for (const r of t.results) if (r.status === 1 && (r.external_userid ?? r.chat_id) === to && day(r.send_time ?? 0) === day(at)) n++;
    return n;
  }

  takeFault(path: string): Fault | undefined {
    const i = this.faults.findIndex((f) => f.path === path && f.times > 0);
    if (i < 0) return undefined;
    const f = this.faults[i];
    if (f.skip) {
      f.skip -= 1;
      return undefined;
    }
    f.times -= 1;
    return f;
  }
}
