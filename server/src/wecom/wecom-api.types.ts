/**
 * WeCom's JSON shapes, as its server API documents them (snake_case kept on purpose, so a reader can
 * hold them against WeCom's docs). Only the adapter sees these; modules get our own shapes.
 */
export interface WecomBase {
  errcode: number;
  errmsg: string;
}

export interface ExternalContact {
  external_userid: string;
  name: string;
  avatar?: string;
  /** 1 = WeChat user, 2 = WeCom user */
  type: 1 | 2;
  /** 0 unknown, 1 male, 2 female */
  gender?: 0 | 1 | 2;
  unionid?: string;
  position?: string;
  corp_name?: string;
  corp_full_name?: string;
}

export interface FollowUserTag {
  group_name: string;
  tag_name: string;
  tag_id?: string;
  /** 1 corp tag, 2 personal tag, 3 rule tag */
  type: 1 | 2 | 3;
}

export interface FollowUser {
  userid: string;
  remark?: string;
  description?: string;
  createtime: number;
  tags?: FollowUserTag[];
  remark_mobiles?: string[];
  add_way?: number;
  oper_userid?: string;
  state?: string;
}

export interface GetExternalContactResponse extends WecomBase {
  external_contact: ExternalContact;
  follow_user: FollowUser[];
  next_cursor?: string;
}

export interface FollowInfo extends Omit<FollowUser, 'tags'> {
  tag_id?: string[];
}

export interface BatchGetByUserResponse extends WecomBase {
  external_contact_list: Array<{ external_contact: ExternalContact; follow_info: FollowInfo }>;
  next_cursor?: string;
}

export interface CorpTag {
  id: string;
  name: string;
  create_time: number;
  order: number;
  deleted?: boolean;
}

export interface CorpTagGroup {
  group_id: string;
  group_name: string;
  create_time: number;
  order: number;
  deleted?: boolean;
  tag: CorpTag[];
}

export interface ContactWayInput {
  /** 1 single staff, 2 several */
  type: 1 | 2;
  /** 1 mini-program button, 2 QR code */
  scene: 1 | 2;
  style?: number;
  remark?: string;
  skip_verify?: boolean;
  /** ≤ 30 characters; comes back in the add_external_contact callback */
  state?: string;
  user?: string[];
  party?: number[];
}

export interface ContactWay extends ContactWayInput {
  config_id: string;
  qr_code?: string;
}

export interface Attachment {
  msgtype: 'image' | 'link' | 'miniprogram' | 'video' | 'file';
  image?: { media_id?: string; pic_url?: string };
  link?: { title: string; picurl?: string; desc?: string; url: string };
  miniprogram?: { title: string; pic_media_id: string; appid: string; page: string };
}

export interface WelcomeMsgInput {
  welcome_code: string;
  text?: { content: string };
  attachments?: Attachment[];
}

export interface MsgTemplateInput {
  chat_type?: 'single' | 'group';
  external_userid?: string[];
  chat_id_list?: string[];
  sender?: string;
  allow_select?: boolean;
  text?: { content: string };
  attachments?: Attachment[];
}

export interface AddMsgTemplateResponse extends WecomBase {
  msgid: string;
  fail_list?: string[];
}

export interface GroupMsg {
  msgid: string;
  creator?: string;
  create_time: string;
  create_type: 0 | 1;
  text?: { content: string };
  attachments?: Attachment[];
}

export interface GroupMsgTask {
  userid: string;
  /** 0 not sent, 2 sent */
  status: 0 | 2;
  send_time?: number;
}

export interface GroupMsgSendResult {
  external_userid?: string;
  chat_id?: string;
  userid: string;
  /** 0 not sent, 1 sent, 2 not a friend any more, 3 already got another group message today */
  status: 0 | 1 | 2 | 3;
  send_time?: number;
}

export interface GroupChatMember {
  userid: string;
  /** 1 staff, 2 external contact */
  type: 1 | 2;
  join_time: number;
  join_scene: number;
  invitor?: { userid: string };
  group_nickname?: string;
  name?: string;
  unionid?: string;
}

export interface GroupChat {
  chat_id: string;
  name: string;
  owner: string;
  create_time: number;
  notice?: string;
  member_list: GroupChatMember[];
  admin_list?: Array<{ userid: string }>;
}

/** transfer_customer / resigned/transfer_customer: errcode per customer, 0 = the takeover has started. */
export interface TransferCustomerInput {
  handover_userid: string;
  takeover_userid: string;
  /** ≤ 100 per call */
  external_userid: string[];
  /** in-service only: sent to the customer once taken over, ≤ 200 characters */
  transfer_success_msg?: string;
}

export interface TransferCustomerResponse extends WecomBase {
  customer: Array<{ external_userid: string; errcode: number }>;
}

/** 1 taken over, 2 waiting (takeover_time is when it will happen), 3 refused by the customer, 4 takeover member at their limit, 5 no such transfer */
export type TransferStatus = 1 | 2 | 3 | 4 | 5;

export interface TransferResultResponse extends WecomBase {
  customer: Array<{ external_userid: string; status: TransferStatus; takeover_time: number }>;
  next_cursor?: string;
}

export interface UnassignedListResponse extends WecomBase {
  info: Array<{ handover_userid: string; external_userid: string; dimission_time: number }>;
  is_last: boolean;
  next_cursor?: string;
}

export interface GroupChatTransferResponse extends WecomBase {
  failed_chat_list?: Array<{ chat_id: string; errcode: number; errmsg: string }>;
}
