import type { WechatyPlugin } from 'wechaty';
import type { BotContext, Turn } from '../bot-context.js';
import { CONSENT_TEXTS } from '../../../server/src/modules/privacy/consent-texts.js';

const POINTS = /^(积分|查积分|我的积分|points?)$/i;
const CHECK_IN = /^(签到|check[- ]?in)$/i;
const COUPONS = /^(优惠券|我的优惠券|coupons?)$/i;
// The usual Chinese marketing-SMS convention: reply TD (退订) to stop, and a way back in.
const STOP = /^(td|退订|取消订阅|unsubscribe|stop)$/i;
const RESUME = /^(恢复订阅|订阅|subscribe)$/i;

const day = (d?: Date) => (d ? new Date(d).toISOString().slice(0, 10) : '');

/**
 * Commands answered from live data: `积分` balance and tier, `签到` the daily check-in (once a day,
 * enforced by the loyalty ledger's key), `优惠券` available coupons with the member-center link,
 * `TD`/`退订` withdraws marketing consent (and records an opt-out with source `bot`); `订阅`/`恢复订阅`
 * is a clear act of agreeing, so it grants marketing consent (channel `bot`, on the current consent
 * text, which the reply states in plain words). Saying nothing grants nothing: marketing is opt-in.
 */
export function commandsPlugin(ctx: BotContext): WechatyPlugin {
  return () =>
    ctx.addResponder({
      name: 'commands',
      priority: 100,
      async handle(turn: Turn) {
        const text = turn.text.trim();
        if (!turn.inRoom && (STOP.test(text) || RESUME.test(text))) {
          await turn.matched();
          const customerId = turn.customerId ?? (await ctx.s.desk.conversations.identifyContact(turn.tenantId, { id: turn.message.talker().id }));
          if (STOP.test(text)) {
            await ctx.s.privacy.consents.set(turn.tenantId, customerId, 'marketing', false, 'bot', `shopper:${customerId}`);
            await ctx.s.broadcasts.optOut(turn.tenantId, customerId, 'bot');
            await turn.reply('已为您退订营销消息，之后不会再收到活动推送。回复「订阅」可重新接收。');
          } else {
            await ctx.s.privacy.consents.set(turn.tenantId, customerId, 'marketing', true, 'bot', `shopper:${customerId}`);
            await turn.reply(`已订阅营销消息。${CONSENT_TEXTS.marketing.purpose}回复「TD」可随时退订。`);
          }
          return true;
        }
        const which = POINTS.test(text) ? 'points' : CHECK_IN.test(text) ? 'check-in' : COUPONS.test(text) ? 'coupons' : null;
        if (!which) return false;
        await turn.matched();
        const loyalty = ctx.s.desk.loyalty;
        const customerId = turn.customerId ?? (turn.inRoom ? (await ctx.s.desk.conversations.identifyContact(turn.tenantId, { id: turn.message.talker().id })) : undefined);
        if (!loyalty || !customerId) {
          await turn.reply('会员服务暂未开通，请稍后再试。');
          return true;
        }
        if (which === 'points') {
          const b = await loyalty.balance(turn.tenantId, customerId);
          await turn.reply(b ? `您当前积分 ${b.points}，会员等级：${b.tier}。` : '您还不是会员，回复「签到」即可入会并领取积分。');
        } else if (which === 'check-in') {
          const r = await loyalty.checkIn(turn.tenantId, customerId);
          await turn.reply(r.already ? `今天已经签到过了，当前积分 ${r.balance}，明天再来哦！` : `签到成功，获得 ${r.points} 积分，当前积分 ${r.balance}。`);
        } else {
          const list = await loyalty.availableCoupons(turn.tenantId, customerId);
          const { BOT_COUPON_URL, PUBLIC_URL } = ctx.s.deps.config;
          const link = BOT_COUPON_URL ?? `${PUBLIC_URL ?? ''}/h5/#/member/coupons`;
          await turn.reply(
            list.length
              ? [`您有 ${list.length} 张可用优惠券：`, ...list.slice(0, 5).map((c) => `· ${c.name}${c.validTo ? `（${day(c.validTo)} 到期）` : ''}`), `查看和使用：${link}`].join('\n')
              : `您暂时没有可用的优惠券。会员中心：${link}`,
          );
        }
        return true;
      },
    });
}
