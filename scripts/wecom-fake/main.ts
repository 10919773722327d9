import { startFakeWecom } from './fake-wecom.js';

/**
 * Runs the local WeCom on its own: `npx tsx scripts/wecom-fake/main.ts`
 * (PORT, CALLBACK_URL optional). Point WECOM_API_BASE and the WECOM_* settings at what it prints.
 */
const fake = await startFakeWecom({ port: Number(process.env.PORT ?? 0) || undefined, callbackUrl: process.env.CALLBACK_URL });
for (const [userid, name] of [
  ['zhangsan', '张三'],
  ['lisi', '李四'],
])
  fake.corp.addStaff(userid, name);
console.log(`local WeCom at ${fake.url}`);
for (const [k, v] of Object.entries(fake.env())) console.log(`  ${k}=${v}`);
