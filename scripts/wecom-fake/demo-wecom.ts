import type { DemoParts } from '../demo-plugins.js';
import { wecomPlugin } from '../../server/src/wecom/wecom.plugin.js';
import { wechatKfPlugin } from '../../server/src/modules/wechat-kf/wechat-kf.plugin.js';
import { startFakeWecom, type FakeWecom } from './fake-wecom.js';

const CODE_NAME = '门店海报码 (demo)';

/**
 * The demo's WeCom: unless real WECOM_* settings are given, the local WeCom starts and our server is
 * pointed at it; after seeding, a channel QR code is created through the real API client and a few
 * customers "scan" it, so their profiles arrive through the real signed, encrypted callback path.
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
  parts.afterSeed.push(async (rt) => {
    local.setCallbackUrl(`${rt.url}/wecom/callback`);
    const s = rt.services;
    const tenantId = rt.services.deps.config.DEFAULT_TENANT;
    const staff = (await s.staff.list(tenantId)).filter((x) => x.wecomUserId);
    for (const st of staff) local.corp.addStaff(st.wecomUserId!, st.name);
    if (s.wechatKf.enabled) {
      const kfId = local.kf.addAccount('品牌微信客服');
      await local.kf.customerSends(kfId, { nickname: '微信客服-小禾', unionid: 'demo-union-kf-1' }, '你好，请问什么时候发货？');
      parts.urls.push({ label: '微信客服 (local)', url: `POST ${local.url}/__fake/simulate/kf-message {"openKfId":"${kfId}","nickname","text"}` });
    }
    const sales = staff.filter((x) => x.role === 'sales').map((x) => x.id);
    if (!sales.length) return;
    const existing = (await s.contactWays.list(tenantId)).find((w) => w.name === CODE_NAME);
    if (existing?.configId) {
      // A persistent database outlives the in-memory fake: tell the fake about the code again.
      local.corp.contactWays.set(existing.configId, {
        config_id: existing.configId,
        type: 2,
        scene: 2,
        state: existing.state,
        user: staff.filter((x) => existing.staffIds.includes(x.id)).map((x) => x.wecomUserId!),
      });
      return;
    }
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
  });
}
