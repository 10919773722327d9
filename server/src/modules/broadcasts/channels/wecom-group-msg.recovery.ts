import type { WecomClient } from '../../../wecom/wecom.client.js';
import type { GroupMsg, GroupMsgSendResult } from '../../../wecom/wecom-api.types.js';

/**
 * What WeCom tells about group messages we created through the API, for crash recovery (doc:
 * https://developer.work.weixin.qq.com/document/path/93338). Such a message has **no `creator`** and
 * `create_type` 0, so it cannot be found by sender: the corp's messages in a time window are listed
 * (`filter_type` 0), kept when their content is ours, and each one's senders come from
 * `get_groupmsg_task`, its recipients from `get_groupmsg_send_result` (customers: every row, sent or
 * not; customer groups: only the groups already sent to).
 */
const SLACK_S = 60;
/** WeCom refuses a window longer than a month. */
const MAX_WINDOW_S = 30 * 86_400;

export interface FoundMsg {
  msgid: string;
  createTime: number;
}

/** Messages created through the API between `since` (less a minute) and `now` (plus a minute) whose text is `text`. */
export async function apiMessagesWithText(client: WecomClient, chatType: 'single' | 'group', since: Date, now: Date, text: string): Promise<FoundMsg[]> {
  const end = Math.max(Math.floor(now.getTime() / 1000), Math.floor(since.getTime() / 1000)) + SLACK_S;
  const start = Math.max(Math.floor(since.getTime() / 1000) - SLACK_S, end - MAX_WINDOW_S);
  const out: FoundMsg[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.getGroupmsgListV2({ chat_type: chatType, start_time: start, end_time: end, filter_type: 0, limit: 100, cursor });
    for (const msg of (page.group_msg_list ?? []) as GroupMsg[]) {
      if (Number(msg.create_type ?? 0) !== 0 || msg.text?.content !== text) continue;
      out.push({ msgid: msg.msgid, createTime: Number(msg.create_time ?? 0) });
    }
    cursor = page.next_cursor || undefined;
  } while (cursor);
  return out.sort((a, b) => a.createTime - b.createTime);
}

/** The staff members a group message was given to. */
export async function messageSenders(client: WecomClient, msgid: string): Promise<Set<string>> {
  const senders = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await client.getGroupmsgTask({ msgid, limit: 1000, cursor });
    for (const t of page.task_list ?? []) senders.add(t.userid);
    cursor = page.next_cursor || undefined;
  } while (cursor);
  return senders;
}

/** One sender's rows of a group message. */
export async function sendResults(client: WecomClient, msgid: string, userid: string): Promise<GroupMsgSendResult[]> {
  const rows: GroupMsgSendResult[] = [];
  let cursor: string | undefined;
  do {
    const r = await client.getGroupmsgSendResult({ msgid, userid, limit: 1000, cursor });
    rows.push(...((r.send_list ?? []) as GroupMsgSendResult[]));
    cursor = r.next_cursor || undefined;
  } while (cursor);
  return rows;
}
