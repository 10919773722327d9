import type { DemoParts } from '../demo-plugins.js';
import { wecomPlugin } from '../../server/src/wecom/wecom.plugin.js';
import { wechatKfPlugin } from '../../server/src/modules/wechat-kf/wechat-kf.plugin.js';
import { startFakeWecom, type FakeWecom } from './fake-wecom.js';
import { seedDemoCampaigns, seedWecomContacts } from './demo-contacts.js';
import { loadFakeState, saveFakeState } from './fake-state-file.js';
import { DEMO_DATA_DIR } from '../lib/demo-secret.js';
import path from 'node:path';

const CODE_NAME = '门店海报码 (demo)';

/**
 * The demo's WeCom: unless real WECOM_* settings are given, the local WeCom starts and our server is
 * pointed at it. After seeding, the sales reps' existing WeCom contacts and customer groups come in
 * through the product's full sync, a channel QR code is created through the real API client and a few
 * customers "scan" it (their profiles arrive through the real signed, encrypted callback path), and a
 * manager's campaigns go out. The local WeCom's state is kept in the demo's data folder, so a restart
 * finds the same contacts, groups and group messages.
 */
export async function addWecomDemo(env: Record<string, string | undefined>, cleanups: Array<() => Promise<void>>, parts: DemoParts): Promise<void> {
  let fake: FakeWecom | undefined;
  if (!env.WECOM_CORP_ID) {
    fake = await startFakeWecom({ port: Number(env.WECOM_FAKE_PORT ?? 0) || undefined });
    cleanups.push(() => fake!.stop());
    // Nobody sits at the demo's WeCom apps: its staff confirm each group message after 5 s, so a
    // campaign started in the console goes on to sent and delivered.
    fake.corp.autoConfirmGroupMsgMs = 5_000;
    // ...and the console learns who got it within a minute rather than at the production pace.
    env.BROADCAST_RESULTS_EVERY ??= '1 minute';
    for (const [k, v] of Object.entries(fake.env())) env[k] ??= v;
    // 微信客服 too: a shopper's chat arrives in the inbox through the kf callback + sync_msg path.
    env.WECOM_KF_ENABLED ??= 'true';
    parts.urls.push({ label: 'Local WeCom', url: `${fake.url}/__fake/state  (POST /__fake/simulate/scan {"configId","name"})` });
  }
  parts.runtime.push(wecomPlugin());
  if (['true', '1'].includes(String(env.WECOM_KF_ENABLED))) parts.runtime.push(wechatKfPlugin());
  if (!fake) return;
  const local = fake;
  const stateFile = path.join(path.resolve(env.DEMO_DATA_DIR || DEMO_DATA_DIR), 'local-wecom.json');
  parts.afterSeed.push(async (rt, seeded) => {
    local.setCallbackUrl(`${rt.url}/wecom/callback`);
    const keep = () => {
      // From now on the local WeCom's state is kept beside the demo's database, and on stop.
      const timer = setInterval(() => saveFakeState(local, stateFile), 10_000);
      timer.unref();
      cleanups.push(async () => {
        clearInterval(timer);
        saveFakeState(local, stateFile);
      });
    };
    const kfUrl = (kfId: string) =>
      parts.urls.push({ label: '微信客服 (local)', url: `POST ${local.url}/__fake/simulate/kf-message {"openKfId":"${kfId}","nickname","text"}` });
    // A restart on kept data: the local WeCom remembers its contacts, groups, codes and messages.
    if (!seeded && loadFakeState(local, stateFile)) {
      // Group messages the staff had not confirmed before the stop are confirmed as new ones are.
      for (const t of local.corp.msgTemplates.values()) {
        if ([...t.tasks.values()].some((task) => task.status === 0))
          setTimeout(() => local.corp.confirmGroupMsg(t.msgid), local.corp.autoConfirmGroupMsgMs).unref();
      }
      const kfId = [...local.kf.state.accounts.keys()][0];
      if (kfId && rt.services.wechatKf.enabled) kfUrl(kfId);
      keep();
      return;
    }
    const s = rt.services;
    const tenantId = rt.services.deps.config.DEFAULT_TENANT;
    const staff = (await s.staff.list(tenantId)).filter((x) => x.wecomUserId);
    for (const st of staff) local.corp.addStaff(st.wecomUserId!, st.name);
    if (s.wechatKf.enabled) {
      const kfId = local.kf.addAccount('品牌微信客服');
      await local.kf.customerSends(kfId, { nickname: '微信客服-小禾', unionid: 'demo-union-kf-1' }, '你好，请问什么时候发货？');
      kfUrl(kfId);
    }
    keep();
    const sales = staff.filter((x) => x.role === 'sales').map((x) => x.id);
    if (!sales.length || !seeded) return;
    const synced = await seedWecomContacts(local, rt);
    rt.log.info(synced, "demo: the first full sync brought in the sales reps' WeCom contacts and customer groups");
    const tag = await s.tags.ensure(tenantId, '渠道', '门店海报');
    const way = await s.contactWays.create(tenantId, {
      name: CODE_NAME,
      staffIds: sales,
      tagIds: [tag.id],
      welcome: { text: '欢迎来到我们的会员俱乐部！回复“福利”领取新人券。', link: { title: '新人礼包', url: 'https://example.com/gift' } },
      dailyCap: 200,
    });
    for (const [name, unionid] of [
      ['扫码客-林晓', 'demo-union-1'],
      ['扫码客-陈默', 'demo-union-2'],
      ['扫码客-周宁', 'demo-union-3'],
    ]) {
      await local.scan(way.configId!, { name, unionid });
    }
    rt.log.info({ configId: way.configId, state: way.state }, 'demo: three customers scanned the channel QR code through the local WeCom');
    const campaigns = await seedDemoCampaigns(rt);
    rt.log.info({ campaigns: campaigns.length }, "demo: a member-day campaign and a group post are going out, next week's is scheduled");
  });
}
