import type { Deps } from '../../shared/deps.js';
import { conflict } from '../../shared/app-error.js';
import type { WecomClient } from '../../wecom/wecom.client.js';
import { Errcode, isWecomErrcode } from '../../wecom/wecom.exception.js';
import type { StaffService } from '../staff/staff.service.js';
import { DeliveryModel, GroupDeliveryModel, type CampaignDoc } from './broadcast.model.js';
import { BroadcastErrorCode } from './broadcast.service.js';

/** WeCom re-notifies a message's members at most three times in 24 hours (doc 97610). */
const REMINDS_PER_DAY = 3;
/** KEYS[1] = the message's remind counter; ARGV = limit, ttl. Takes one remind, or -1 when none is left. */
const TAKE_REMIND = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return -1 end
n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2])) end
return n`;

export interface SenderState {
  userid: string;
  staffId: string | null;
  name: string | null;
  /** WeCom tasks (messages) this member was given by the run, and how many they confirmed (sent). */
  tasks: number;
  confirmed: number;
  lastSentAt: Date | null;
  /** Reminders used in the last 24 hours on this member's pending messages (the most on any one). */
  reminded: number;
}

/**
 * WeCom group messages wait for each staff member to confirm them in their app. This reads, per
 * member, their tasks of a campaign's current run (`get_groupmsg_task`, doc 93338) and sends the
 * ones who have not confirmed WeCom's reminder (`remind_groupmsg_send`, doc 97610), within WeCom's
 * three reminders per message a day (counted in Redis, so two managers pressing 提醒 at once cannot
 * spend a fourth).
 */
export class BroadcastSenders {
  constructor(
    private readonly deps: Deps,
    private readonly client: WecomClient,
    private readonly staff: StaffService,
  ) {}

  async list(tenantId: string, c: CampaignDoc): Promise<SenderState[]> {
    const byUser = new Map<string, SenderState>();
    for (const [msgid, tasks] of await this.tasks(c)) {
      const reminded = await this.reminded(msgid);
      for (const task of tasks) {
        const s = byUser.get(task.userid) ?? { userid: task.userid, staffId: null, name: null, tasks: 0, confirmed: 0, lastSentAt: null, reminded: 0 };
        s.tasks++;
        if (task.status === 2) {
          s.confirmed++;
          const at = task.send_time ? new Date(task.send_time * 1000) : null;
          if (at && (!s.lastSentAt || at > s.lastSentAt)) s.lastSentAt = at;
        } else s.reminded = Math.max(s.reminded, reminded);
        byUser.set(task.userid, s);
      }
    }
    for (const s of byUser.values()) {
      const member = await this.staff.findByWecomUserId(tenantId, s.userid).catch(() => null);
      s.staffId = member?.id ?? null;
      s.name = member?.name ?? null;
    }
    return [...byUser.values()].sort((a, b) => a.confirmed / a.tasks - b.confirmed / b.tasks || a.userid.localeCompare(b.userid));
  }

  /**
   * Reminds the members (or the one named) who have not confirmed. Refused with 409 when nobody is
   * waiting, or when every pending message already had its three reminders today.
   */
  async remind(c: CampaignDoc, userid?: string): Promise<{ reminded: number; limited: number }> {
    let reminded = 0;
    let limited = 0;
    for (const [msgid, tasks] of await this.tasks(c)) {
      if (!tasks.some((t) => t.status !== 2 && (!userid || t.userid === userid))) continue;
      const key = `bc:remind:${msgid}`;
      if (Number(await this.deps.redis.eval(TAKE_REMIND, 1, key, REMINDS_PER_DAY, 86_400)) < 0) {
        limited++;
        continue;
      }
      try {
        await this.client.remindGroupmsgSend({ msgid });
        reminded++;
      } catch (err) {
        // WeCom did not remind: the reminder is not spent.
        await this.deps.redis.decr(key);
        throw err;
      }
    }
    if (!reminded && !limited) throw conflict(BroadcastErrorCode.NOTHING_TO_REMIND, 'Every staff member has already sent this campaign; nobody to remind', {});
    if (!reminded)
      throw conflict(BroadcastErrorCode.REMIND_LIMIT, 'WeCom allows three reminders per message a day, and they are used; try again tomorrow', {
        limit: REMINDS_PER_DAY,
      });
    return { reminded, limited };
  }

  private async reminded(msgid: string): Promise<number> {
    return Number((await this.deps.redis.get(`bc:remind:${msgid}`).catch(() => null)) ?? 0);
  }

  /** The run's WeCom messages (the providerRef of its sent rows), each with its members' tasks. */
  private async tasks(c: CampaignDoc): Promise<Map<string, Array<{ userid: string; status: number; send_time?: number }>>> {
    const rows = c.channel === 'wecom_group_chat' ? GroupDeliveryModel : DeliveryModel;
    const refs: string[] = (
      await (rows as typeof DeliveryModel).distinct('providerRef', { campaignId: c._id, occurrence: c.occurrence, state: 'sent' })
    ).filter(Boolean) as string[];
    const out = new Map<string, Array<{ userid: string; status: number; send_time?: number }>>();
    for (const msgid of refs) {
      const list: Array<{ userid: string; status: number; send_time?: number }> = [];
      try {
        let cursor: string | undefined;
        do {
          const page = await this.client.getGroupmsgTask({ msgid, limit: 1000, cursor });
          list.push(...page.task_list);
          cursor = page.next_cursor || undefined;
        } while (cursor);
      } catch (err) {
        // 41063: WeCom is still handing the message out; its tasks show on a later look.
        if (!isWecomErrcode(err, Errcode.GROUPMSG_DISPATCHING)) throw err;
      }
      out.set(msgid, list);
    }
    return out;
  }
}
