import type { ContactWayInput, MsgTemplateInput, WelcomeMsgInput } from '../../server/src/wecom/wecom-api.types.js';

/**
 * Request bodies as WeCom's docs describe the fields the fake reads. Every field the fake checks
 * itself is optional here (it answers WeCom's errcode when one is missing); a handler reads its body
 * through its endpoint's type. Fields a handler only passes through String()/Number() stay unknown.
 */

/** https://developer.work.weixin.qq.com/document/path/92994 */
export interface BatchGetByUserBody {
  userid_list?: unknown;
  cursor?: string;
  limit?: number;
}

/** https://developer.work.weixin.qq.com/document/path/92115 */
export interface RemarkBody {
  userid?: string;
  external_userid?: string;
  remark?: string;
  description?: string;
  remark_company?: string;
  remark_mobiles?: string[];
  remark_pic_mediaid?: string;
}

/** https://developer.work.weixin.qq.com/document/path/92117 (get_corp_tag_list, del_corp_tag) */
export interface CorpTagIdsBody {
  tag_id?: string[];
  group_id?: string[];
}

/** https://developer.work.weixin.qq.com/document/path/92117 (add_corp_tag) */
export interface AddCorpTagBody {
  group_id?: string;
  group_name?: string;
  order?: number;
  tag?: Array<{ name: string; order?: number }>;
}

/** https://developer.work.weixin.qq.com/document/path/92117 (edit_corp_tag) */
export interface EditCorpTagBody {
  id?: string;
  name?: string;
  order?: number;
}

/** https://developer.work.weixin.qq.com/document/path/92118 */
export interface MarkTagBody {
  userid?: string;
  external_userid?: string;
  add_tag?: string[];
  remove_tag?: string[];
}

/** https://developer.work.weixin.qq.com/document/path/92228 (add_contact_way, update_contact_way) */
export type ContactWayBody = Partial<ContactWayInput> & { config_id?: string };

/** https://developer.work.weixin.qq.com/document/path/92137 */
export type WelcomeBody = Partial<WelcomeMsgInput>;

/** https://developer.work.weixin.qq.com/document/path/92120 */
export interface GroupChatListBody {
  limit?: number;
  cursor?: string;
  owner_filter?: { userid_list?: string[] };
}

/** https://developer.work.weixin.qq.com/document/path/92122 */
export interface GroupChatGetBody {
  chat_id?: string;
}

/** https://developer.work.weixin.qq.com/document/path/92135 (add_msg_template) */
export type AddMsgTemplateBody = MsgTemplateInput;

/** https://developer.work.weixin.qq.com/document/path/93338 (get_groupmsg_list_v2, get_groupmsg_task, get_groupmsg_send_result) */
export interface GroupMsgQueryBody {
  chat_type?: 'single' | 'group';
  start_time?: number;
  end_time?: number;
  filter_type?: number;
  creator?: string;
  msgid?: string;
  userid?: string;
  cursor?: string;
  limit?: number;
}

/** https://developer.work.weixin.qq.com/document/path/94677 (kf/send_msg) */
export interface KfSendBody {
  open_kfid?: string;
  touser?: string;
  msgid?: string;
  msgtype?: 'text' | 'image' | 'file';
  text?: { content?: string };
  image?: { media_id?: string };
  file?: { media_id?: string };
}

/** https://developer.work.weixin.qq.com/document/path/94669 (service_state/get, service_state/trans) */
export interface KfServiceStateBody {
  open_kfid?: string;
  external_userid?: string;
  service_state?: number;
  servicer_userid?: string;
}

/** https://developer.work.weixin.qq.com/document/path/94670 (kf/sync_msg) */
export interface KfSyncBody {
  token?: unknown;
  cursor?: unknown;
  limit?: number;
  open_kfid?: string;
}
