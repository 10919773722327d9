import type { WechatyPlugin } from 'wechaty';
import type { BotContext, Turn } from '../bot-context.js';
import { AppError } from '../../../server/src/shared/app-error.js';
import { CustomerErrorCode } from '../../../server/src/modules/customers/customer.errors.js';
import { BIND_LINK_MINUTES } from '../../../server/src/modules/customers/chat-binding.service.js';
import { CONSENT_TEXTS } from '../../../server/src/modules/privacy/consent-texts.js';

const day = (d?: Date) => (d ? new Date(d).toISOString().slice(0, 10) : '');

/**
 * Commands answered from live data: `积分` balance and tier, `签到` the daily check-in (once a day,
 * enforced by the loyalty ledger's key), `优惠券` available coupons with the member-center link,
 * `绑定` gives a private chat a one-time link: opened in the member center, signed in, it joins this
 * chat to the shopper's member profile (chat-binding.service.ts), so `积分` answers for the member.
 * `TD`/`退订` withdraws marketing consent (and records an opt-out with source `bot`); `订阅`/`恢复订阅`
 * is a clear act of agreeing, so it grants marketing consent (channel `bot`, on the current consent
 * text, which the reply states in plain words). Saying nothing grants nothing: marketing is opt-in.
 * The trigger words, and which commands are on, are the tenant's (console 机器人 → 指令;
 * server/src/modules/conversations/bot-commands.ts lists the defaults); TD follows the usual Chinese
 * marketing-SMS convention and cannot be switched off.
 */
export function commandsPlugin(ctx: BotContext): WechatyPlugin {
  return () =>
    ctx.addResponder({
      name: 'commands',
      priority: 100,
      async handle(turn: Turn) {
        const command = await ctx.s.desk.commands.which(turn.tenantId, turn.text, turn.inRoom);
        if (command === 'stop' || command === 'resume') {
          await turn.matched();
          const customerId = turn.customerId ?? (await ctx.s.desk.conversations.identifyContact(turn.tenantId, { id: turn.message.talker().id }));
          if (command === 'stop') {
            await ctx.s.privacy.consents.set(turn.tenantId, customerId, 'marketing', false, 'bot', `shopper:${customerId}`);
            await ctx.s.broadcasts.optOut(turn.tenantId, customerId, 'bot');
            await turn.reply('已为您退订营销消息，之后不会再收到活动推送。回复「订阅」可重新接收。');
          } else {
            await ctx.s.privacy.consents.set(turn.tenantId, customerId, 'marketing', true, 'bot', `shopper:${customerId}`);
            await turn.reply(`已订阅营销消息。${CONSENT_TEXTS.marketing.purpose}回复「TD」可随时退订。`);
          }
          return true;
        }
        if (command === 'bind') {
          await turn.matched();
          await bind(ctx, turn);
          return true;
        }
        const which = command === 'points' || command === 'check-in' || command === 'coupons' ? command : null;
        if (!which) return false;
        await turn.matched();
        const loyalty = ctx.s.desk.loyalty;
        const customerId =
          turn.customerId ?? (turn.inRoom ? await ctx.s.desk.conversations.identifyContact(turn.tenantId, { id: turn.message.talker().id }) : undefined);
        if (!loyalty || !customerId) {
          await turn.reply('会员服务暂未开通，请稍后再试。');
          return true;
        }
        if (which === 'points') {
          const b = await loyalty.balance(turn.tenantId, customerId);
          await turn.reply(
            b ? `您当前积分 ${b.points}，会员等级：${b.tier}。` : '您还不是会员，回复「签到」即可入会并领取积分。已是会员？回复「绑定」关联您的会员账号。',
          );
        } else if (which === 'check-in') {
          const r = await loyalty.checkIn(turn.tenantId, customerId);
          await turn.reply(r.already ? `今天已经签到过了，当前积分 ${r.balance}，明天再来哦！` : `签到成功，获得 ${r.points} 积分，当前积分 ${r.balance}。`);
        } else {
          const list = await loyalty.availableCoupons(turn.tenantId, customerId);
          const { BOT_COUPON_URL, PUBLIC_URL } = ctx.s.deps.config;
          const link = BOT_COUPON_URL ?? `${PUBLIC_URL ?? ''}/h5/#/member/coupons`;
          await turn.reply(
            list.length
              ? [
                  `您有 ${list.length} 张可用优惠券：`,
                  ...list.slice(0, 5).map((c) => `· ${c.name}${c.validTo ? `（${day(c.validTo)} 到期）` : ''}`),
                  `查看和使用：${link}`,
                ].join('\n')
              : `您暂时没有可用的优惠券。会员中心：${link}`,
          );
        }
        return true;
      },
    });
}

/** `绑定`: a one-time link to the member center's confirm page, or why none is needed. */
async function bind(ctx: BotContext, turn: Turn): Promise<void> {
  const customerId = turn.customerId ?? (await ctx.s.desk.conversations.identifyContact(turn.tenantId, { id: turn.message.talker().id }));
  try {
    const { token } = await ctx.s.chatBindings.offer(turn.tenantId, customerId, turn.message.talker().name() || undefined);
    const link = `${ctx.s.deps.config.PUBLIC_URL ?? ''}/h5/member/bind/${token}`;
    await turn.reply(
      [`请在 ${BIND_LINK_MINUTES} 分钟内用本人手机打开会员中心确认绑定：`, link, '确认后在这里回复「积分」即可查询会员积分。链接仅限本人使用，请勿转发。'].join(
        '\n',
      ),
    );
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== CustomerErrorCode.CHAT_ALREADY_BOUND) throw err;
    await turn.reply('您的聊天账号已关联会员，回复「积分」即可查询。如关联有误，请回复「人工」联系客服。');
  }
}
