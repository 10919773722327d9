import { mock } from 'wechaty-puppet-mock';
import type { DemoParts } from '../demo-plugins.js';
import { botRuntimePlugin, type RunningBot } from '../../bot/src/main.js';
import { deskRuntimePlugin } from '../../server/src/modules/conversations/desk.plugin.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The demo's chat bot: Wechaty on the mock puppet (unless WECHATY_PUPPET names a real one). After
 * seeding, a mock WeChat account logs in and a few mock customers chat with it, so the desk has
 * conversations to show: a greeting, a FAQ answer, a `积分` command, a `人工` handoff to an online
 * agent, and a room with a newcomer welcomed.
 */
export async function addBotDemo(env: Record<string, string | undefined>, _cleanups: Array<() => Promise<void>>, parts: DemoParts): Promise<void> {
  env.WECHATY_PUPPET ??= 'wechaty-puppet-mock';
  const mocked = env.WECHATY_PUPPET === 'wechaty-puppet-mock';
  const mocker = mocked ? new mock.Mocker() : undefined;
  let running: RunningBot | undefined;
  parts.runtime.push(deskRuntimePlugin(), botRuntimePlugin({ mocker, onBot: (b) => (running = b) }));
  parts.urls.push({ label: 'Desk (SSE)', url: '{base}/api/v1/conversations/stream  (GET /api/v1/conversations?view=queue)' });
  if (!mocker) return;
  parts.afterSeed.push(async (rt) => {
    const s = rt.services;
    const tenantId = s.deps.config.DEFAULT_TENANT;
    if (!(await s.desk.rules.listRules(tenantId)).length) {
      await s.desk.rules.createRule(tenantId, {
        kind: 'faq',
        question: '运费',
        keywords: ['运费', '包邮', '邮费'],
        reply: '{name}您好，全场满99元包邮，不满收取8元运费。',
      });
      await s.desk.rules.createRule(tenantId, {
        kind: 'faq',
        question: '发货时间',
        keywords: ['发货', '几天到'],
        reply: '下午4点前付款当天发货，一般2-3天送达。',
      });
      await s.desk.rules.createRule(tenantId, { kind: 'regex', pattern: '退(款|货)|投诉', action: 'handoff', priority: 10 });
      await s.desk.rules.createCanned(tenantId, '积分提醒', '{name}您好，您当前有 {points} 积分，可在会员中心兑换优惠券。');
      await s.desk.rules.createCanned(tenantId, '欢迎语', '{name}您好，我是您的专属顾问，有任何护肤问题随时找我～');
      await s.desk.rules.createCanned(tenantId, '发货说明', '下午4点前付款当天发货，一般2-3天送达，物流可在小程序「我的订单」查看。');
    }
    const account = mocker.createContact({ name: '品牌小助手' });
    mocker.login(account);
    await running!.loggedIn;
    const lin = mocker.createContact({ name: '林小姐' });
    const chen = mocker.createContact({ name: '陈先生' });
    const zhao = mocker.createContact({ name: '赵阿姨' });
    // Spaced out so each answer lands before the next question, as in a real chat.
    const script: Array<() => void> = [
      () => lin.say('你好').to(account),
      () => lin.say('包邮吗？').to(account),
      () => lin.say('积分').to(account),
      () => chen.say('我要退货，鞋码不对').to(account),
      () => zhao.say('签到').to(account),
      () => {
        const room = mocker.createRoom({ topic: '品牌VIP会员群', memberIdList: [account.id, lin.id, chen.id] });
        lin.say('大家好，新品什么时候上？').to(room);
        room.add(zhao).by(lin);
      },
    ];
    void (async () => {
      for (const step of script) {
        step();
        await sleep(1000);
      }
    })();
  });
}
