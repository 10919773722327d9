import type { WecomClient } from '../../wecom/wecom.client.js';
import type { WecomBase } from '../../wecom/wecom-api.types.js';

/**
 * WeCom's 微信客服 API (`cgi-bin/kf/`), typed, over the shared WeCom client (token cache, rate
 * limit, errcode handling). Doc paths are under https://developer.work.weixin.qq.com/document/path/.
 */
export interface KfAccount {
  open_kfid: string;
  name: string;
  avatar?: string;
  /** Whether this app may manage the account (only those can be served through the API). */
  manage_privilege?: boolean;
}

/** 3 sent by the WeChat customer, 4 an event WeCom pushed, 5 sent by a servicer from the WeCom app. */
export type KfOrigin = 3 | 4 | 5;

export interface KfMessage {
  msgid: string;
  open_kfid: string;
  external_userid?: string;
  send_time: number;
  origin: KfOrigin;
  servicer_userid?: string;
  msgtype: string;
  text?: { content: string; menu_id?: string };
  image?: { media_id: string };
  voice?: { media_id: string };
  video?: { media_id: string };
  file?: { media_id: string };
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  link?: { title?: string; desc?: string; url?: string; pic_url?: string };
  miniprogram?: { title?: string; appid?: string; pagepath?: string; thumb_media_id?: string };
  event?: {
    event_type: string;
    open_kfid?: string;
    external_userid?: string;
    scene?: string;
    scene_param?: string;
    welcome_code?: string;
    fail_msgid?: string;
    fail_type?: number;
  };
}

export interface KfCustomer {
  external_userid: string;
  nickname?: string;
  avatar?: string;
  gender?: 0 | 1 | 2;
  /** Only when the corp's WeChat Open Platform account is bound and the customer agreed (doc 95159). */
  unionid?: string;
}

/** 0 new (未处理), 1 served by the API (智能助手), 2 in WeCom's pool, 3 a servicer (人工接待), 4 ended. */
export type KfServiceState = 0 | 1 | 2 | 3 | 4;

/** WeCom's errcodes for 微信客服 we act on (全局错误码, doc 90313). */
export const KfErrcode = {
  INVALID_OPEN_KFID: 95000,
  /** More than 5 messages since the customer's last message. */
  SEND_COUNT_LIMIT: 95001,
  /** More than 48 hours since the customer's last message. */
  SEND_TIME_LIMIT: 95002,
  INVALID_MSG_TOKEN: 95007,
  SESSION_ENDED: 95013,
  NOT_A_SERVICER: 95014,
  BAD_STATE_CHANGE: 95016,
  /** The session is with a servicer (人工接待): the API may not send. */
  SEND_STATE_INVALID: 95018,
} as const;

export class KfClient {
  constructor(private readonly wecom: WecomClient) {}

  /** 获取客服账号列表 (doc 94661): offset/limit paging, limit ≤ 100. */
  async listAccounts(): Promise<KfAccount[]> {
    const out: KfAccount[] = [];
    for (let offset = 0; ; offset += 100) {
      const r = await this.wecom.call<WecomBase & { account_list: KfAccount[] }>('POST', 'kf/account/list', { body: { offset, limit: 100 } });
      out.push(...(r.account_list ?? []));
      if ((r.account_list ?? []).length < 100) return out;
    }
  }

  /**
   * 读取消息 (doc 94670): the messages after `cursor`, with the callback's `token` (valid 10 minutes;
   * without it WeCom throttles hard). Pass next_cursor back while has_more is 1.
   */
  syncMsg(input: { open_kfid: string; token?: string; cursor?: string; limit?: number }) {
    return this.wecom.call<WecomBase & { next_cursor: string; has_more: 0 | 1; msg_list: KfMessage[] }>('POST', 'kf/sync_msg', {
      body: { limit: 1000, ...input },
    });
  }

  /** 发送消息 (doc 94677): at most 5 messages within 48 h of the customer's last message (95001/95002). */
  sendText(input: { open_kfid: string; touser: string; content: string; msgid?: string }) {
    return this.wecom.call<WecomBase & { msgid: string }>('POST', 'kf/send_msg', {
      body: {
        touser: input.touser,
        open_kfid: input.open_kfid,
        ...(input.msgid ? { msgid: input.msgid } : {}),
        msgtype: 'text',
        text: { content: input.content },
      },
    });
  }

  /** 发送消息 (doc 94677), msgtype image or file: the media_id of a 临时素材 uploaded first (doc 90253). */
  sendMedia(input: { open_kfid: string; touser: string; msgtype: 'image' | 'file'; media_id: string; msgid?: string }) {
    return this.wecom.call<WecomBase & { msgid: string }>('POST', 'kf/send_msg', {
      body: {
        touser: input.touser,
        open_kfid: input.open_kfid,
        ...(input.msgid ? { msgid: input.msgid } : {}),
        msgtype: input.msgtype,
        [input.msgtype]: { media_id: input.media_id },
      },
    });
  }

  /** 上传临时素材 (doc 90253), for sendMedia. */
  uploadMedia(type: 'image' | 'file', file: { name: string; mime: string; bytes: Buffer }) {
    return this.wecom.uploadMedia(type, file);
  }

  /** 获取临时素材 (doc 90254): what a customer's image or file message carries (its media_id, 3 days). */
  getMedia(mediaId: string) {
    return this.wecom.getMedia(mediaId);
  }

  /** 获取会话状态 (doc 94669). */
  getServiceState(input: { open_kfid: string; external_userid: string }) {
    return this.wecom.call<WecomBase & { service_state: KfServiceState; servicer_userid?: string }>('POST', 'kf/service_state/get', { body: input });
  }

  /** 变更会话状态 (doc 94669): 3 needs servicer_userid; 4 is final until the customer writes again. */
  transServiceState(input: { open_kfid: string; external_userid: string; service_state: KfServiceState; servicer_userid?: string }) {
    return this.wecom.call<WecomBase & { msg_code?: string }>('POST', 'kf/service_state/trans', { body: input });
  }

  /** 获取客户基础信息 (doc 95159): up to 100 external_userids a call; unknown ones come back in invalid_external_userid. */
  batchGetCustomers(externalUserIds: string[]) {
    return this.wecom.call<WecomBase & { customer_list: KfCustomer[]; invalid_external_userid?: string[] }>('POST', 'kf/customer/batchget', {
      body: { external_userid_list: externalUserIds, need_enter_session_context: 0 },
    });
  }
}
