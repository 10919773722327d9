import type { Deps } from '../../shared/deps.js';
import type { ModuleManifest } from '../../shared/module.js';
import type { DeskService } from '../conversations/desk.service.js';
import type { StaffService } from '../staff/staff.service.js';
import type { Wecom } from '../../wecom/wecom.adapter.js';
import { WecomClient } from '../../wecom/wecom.client.js';
import { KfClient } from './kf.client.js';
import { KfWindow } from './kf-window.js';
import { KfTurn } from './kf-turn.js';
import { KfDelivery } from './kf-delivery.service.js';
import { KfSync, kfAccountId } from './kf-sync.service.js';

/**
 * 微信客服 (WeChat Customer Service) as a conversation channel beside the Wechaty bot: WeCom's
 * official, callback-driven chat API. Its chats are desk conversations (channel `wechat_kf`, account
 * `kf:<open_kfid>`, peer the customer's external_userid), so rules, handoff, SLA and the inbox work
 * as for the bot. Off unless WECOM_KF_ENABLED.
 */
export function createWechatKf(deps: Deps, ports: { wecom: Wecom; desk: DeskService; staff: StaffService }) {
  const { config } = deps;
  const enabled = config.WECOM_KF_ENABLED && ports.wecom.enabled;
  const wecomClient = config.WECOM_KF_SECRET
    ? new WecomClient({
        apiBase: config.WECOM_API_BASE,
        corpId: config.WECOM_CORP_ID,
        secret: config.WECOM_KF_SECRET,
        redis: deps.redis,
        log: deps.log,
        timeoutMs: config.WECOM_TIMEOUT_MS,
      })
    : ports.wecom.client;
  const client = new KfClient(wecomClient);
  const window = new KfWindow(deps);
  const delivery = new KfDelivery(deps, client, ports.desk, ports.staff, window);
  const turn = new KfTurn(ports.desk, (tenantId, conversation, text, r) => delivery.say(tenantId, conversation, text, r), deps.log);
  const sync = new KfSync(deps, client, ports.desk, window, turn, delivery);
  return {
    enabled,
    client,
    window,
    sync,
    delivery,
    accountId: kfAccountId,
    /**
     * What is left of the window for this conversation (the inbox shows it beside the reply box);
     * reason `wecom` when the chat is with its servicer in the WeCom app, where it must be answered.
     */
    async replyWindow(tenantId: string, conversation: { channel?: string | null; botAccountId: string; peerId: string }) {
      if (!enabled || conversation.channel !== 'wechat_kf') return undefined;
      const { serviceState, ...w } = await window.state({
        tenantId,
        openKfId: conversation.botAccountId.replace(/^kf:/, ''),
        externalUserId: conversation.peerId,
      });
      if (config.WECOM_KF_AGENTS_ANSWER_IN === 'wecom' && serviceState === 3) return { ...w, reason: 'wecom' as const };
      return w;
    },
  };
}

export type WechatKf = ReturnType<typeof createWechatKf>;

/**
 * When on, 微信客服 takes WeCom's kf_msg_or_event callbacks, gates agents' replies in its chats (the
 * 48 h / 5 messages window) and mirrors handoff changes to WeCom's service_state, through the WeCom
 * callback router's and the desk's extension points.
 */
export function wechatKfManifest(kf: WechatKf): ModuleManifest {
  return {
    name: 'wechat-kf',
    provides: kf.enabled
      ? [
          {
            point: 'wecom.callback-handler',
            name: 'wechat-kf',
            impl: { event: 'kf_msg_or_event', handle: (tenantId, fields) => kf.sync.onCallback(tenantId, fields) },
          },
          {
            point: 'desk.channel-gate',
            name: 'wechat-kf',
            impl: { channel: 'wechat_kf', reserve: (tenantId, conversation) => kf.delivery.reserveForAgent(tenantId, conversation) },
          },
          {
            point: 'desk.conversation-observer',
            name: 'wechat-kf',
            impl: { onUpdated: (tenantId, conversation) => kf.delivery.onConversationUpdated(tenantId, conversation) },
          },
        ]
      : [],
  };
}
