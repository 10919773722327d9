import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Types } from 'mongoose';
import { startBroadcastTestbed, sentTo, type BroadcastTestbed } from './broadcast-testbed.js';
import { handlers } from '../../../scripts/wecom-fake/fake-api.js';
import type { AddMsgTemplateBody } from '../../../scripts/wecom-fake/fake-requests.js';
import { CustomerModel } from '../../../server/src/modules/customers/customer.model.js';
import { DeliveryModel } from '../../../server/src/modules/broadcasts/broadcast.model.js';

/**
 * The crash test: 1,000 WeCom contacts of four staff members, of whom 100 were already messaged
 * today (cap 1 per day) and 10 opted out. Real worker processes send through the local WeCom. The
 * first is killed with SIGKILL at the worst moment: while WeCom is accepting one of its
 * add_msg_template calls, so WeCom has that message but the worker never records it. A second
 * worker takes over; every eligible contact must get the message exactly once.
 */
const TOTAL = 1000;
const OWNERS = ['lisi', 'wangwu', 'zhaoliu', 'sunqi'];
const PER_OWNER = TOTAL / OWNERS.length;
const EARLY = 100;
const OPTED = 10;
const ELIGIBLE = TOTAL - EARLY - OPTED;
/** The campaign's add_msg_template call during which the first worker dies (of about 25). */
const KILL_AT_CALL = 10;
const TEXT = '年终盛典：全场满300减50';

let tb: BroadcastTestbed;
const children = new Set<ChildProcess>();
const killAll = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};
// Even if jest itself is torn down abruptly, no worker is left behind (they also exit when our pipe closes).
process.once('exit', killAll);

const addMsgTemplate = handlers['POST externalcontact/add_msg_template'];
let campaignCalls = 0;
let victim: ChildProcess | undefined;
let inFlightAtKill = 0;
let onKilled: () => void = () => undefined;
const killed = new Promise<void>((resolve) => (onKilled = resolve));

beforeAll(async () => {
  tb = await startBroadcastTestbed();
  // The local WeCom kills the worker that is calling it, then accepts the call it was making.
  handlers['POST externalcontact/add_msg_template'] = (corp, req) => {
    if ((req.body as AddMsgTemplateBody)?.text?.content === TEXT && ++campaignCalls === KILL_AT_CALL && victim) {
      victim.kill('SIGKILL');
      inFlightAtKill = ((req.body as AddMsgTemplateBody).external_userid ?? []).length;
      onKilled();
    }
    return addMsgTemplate(corp, req);
  };
}, 30_000);

afterAll(async () => {
  handlers['POST externalcontact/add_msg_template'] = addMsgTemplate;
  killAll();
  await Promise.all([...children].map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  await tb?.stop();
});

function startWorker(): Promise<ChildProcess> {
  const file = fileURLToPath(new URL('./worker-child.ts', import.meta.url));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ROLES: 'worker',
    MONGODB_URI: tb.app.config.MONGODB_URI,
    REDIS_URL: tb.app.config.REDIS_URL,
    APP_SECRET: tb.app.config.APP_SECRET,
    DEFAULT_TENANT: tb.tenantId,
    JOBS_PROCESS_EVERY_MS: '100',
    // A dead worker's Agenda lock and delivery leases run out quickly, so the takeover is quick.
    JOBS_LOCK_LIFETIME_MS: '3000',
    BROADCAST_TICK_EVERY: '1 second',
    BROADCAST_LEASE_MS: '3000',
    BROADCAST_BATCH_SIZE: '40',
    BROADCAST_WECOM_TASK_SIZE: '40',
    // Per-staff rate limiting is not what this test is about (and Redis is shared with other files).
    BROADCAST_STAFF_PER_MINUTE: '100000',
    ...tb.fake.env(),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', file], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker not ready after 20 s: ${err}`));
    }, 20_000);
    child.stdout!.on('data', (d) => {
      if (!String(d).includes('worker ready')) return;
      clearTimeout(timer);
      resolve(child);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code ?? signal}) before it was ready: ${err}`));
    });
  });
}

const count = (campaignId: string, filter: Record<string, unknown>) =>
  DeliveryModel.countDocuments({ campaignId: new Types.ObjectId(campaignId), ...filter } as any);
async function until(fn: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const timeout = (ms: number, what: string) =>
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms).unref());

test('a worker killed while WeCom accepts its message is replaced, and every eligible contact of a 1,000-recipient campaign is messaged exactly once', async () => {
  const s = tb.app.rt.services;
  const api = (method: string, path: string, body?: unknown) => tb.app.request(method, path, { token: tb.manager, body });
  const owners = await Promise.all(OWNERS.map(async (u) => ({ staffId: await tb.staff(u), wecomUserId: u })));
  const all = (await s.tags.ensure(tb.tenantId, '活动', '年终')).id;
  const early = (await s.tags.ensure(tb.tenantId, '活动', '早鸟')).id;
  const ids: string[] = [];
  for (let i = 0; i < owners.length; i++) ids.push(...(await tb.contacts(PER_OWNER, owners[i], all, `k${i}`)));
  const earlyIds = ids.filter((_, i) => i % 10 === 0).slice(0, EARLY);
  // Setup only: one bulk write instead of 100 tag calls (tagging itself is tested elsewhere).
  await CustomerModel.updateMany({ tenantId: tb.tenantId, _id: { $in: earlyIds.map((id) => new Types.ObjectId(id)) } }, { $addToSet: { tags: early } });
  const optedIds = ids.filter((_, i) => i % 10 === 5).slice(0, OPTED);
  for (const id of optedIds) await s.broadcasts.optOut(tb.tenantId, id, 'replied_td');

  const segment = async (name: string, tagId: string) =>
    (await api('POST', '/api/v1/segments', { name, audience: { type: 'group', op: 'and', rules: [{ type: 'tags', match: 'any', tagIds: [tagId] }] } })).body.id;
  const started = Date.now();
  victim = await startWorker();
  const marks: string[] = [];
  const mark = (what: string) => marks.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  mark('first worker ready');
  // Earlier today: the early-bird campaign reached 100 of them.
  const first = (
    await api('POST', '/api/v1/broadcasts', {
      name: '早鸟',
      segmentId: await segment('早鸟', early),
      channel: 'wecom_group_msg',
      content: { text: '早鸟提醒' },
    })
  ).body.id;
  await until(async () => (await api('GET', `/api/v1/broadcasts/${first}`)).body.status === 'completed', 20_000, 'the early-bird campaign');
  mark('early bird sent');

  const id = (
    await api('POST', '/api/v1/broadcasts', { name: '年终盛典', segmentId: await segment('年终', all), channel: 'wecom_group_msg', content: { text: TEXT } })
  ).body.id;
  await Promise.race([killed, timeout(20_000, `the first worker's call #${KILL_AT_CALL} to WeCom`)]);
  await new Promise((r) => (victim!.exitCode !== null || victim!.signalCode !== null ? r(undefined) : victim!.once('exit', r)));
  mark('killed');
  const sentAtKill = await count(id, { state: 'sent' });
  const sendingAtKill = await count(id, { state: 'sending' });
  // Midway: some sent, the call WeCom accepted is unrecorded ("sending"), many still to go.
  expect(sentAtKill).toBeGreaterThan(0);
  expect(sendingAtKill).toBeGreaterThanOrEqual(inFlightAtKill);
  expect(sentAtKill + sendingAtKill).toBeLessThan(ELIGIBLE);

  await startWorker();
  mark('second worker ready');
  await until(async () => (await api('GET', `/api/v1/broadcasts/${id}`)).body.status === 'completed', 30_000, 'the campaign to complete after the restart');
  const seconds = (Date.now() - started) / 1000;

  const progress = (await api('GET', `/api/v1/broadcasts/${id}`)).body.progress;
  expect(progress.counts).toMatchObject({ total: TOTAL, sent: ELIGIBLE, skipped: EARLY + OPTED, failed: 0, queued: 0, sending: 0 });
  expect(progress.skipped).toEqual({ frequency_cap: EARLY, opted_out: OPTED });
  // The message WeCom accepted from the dead worker was found there, not sent again.
  expect(await count(id, { reason: 'confirmed_after_restart' })).toBe(inFlightAtKill);

  const got = sentTo(tb.fake, TEXT);
  expect(got.size).toBe(ELIGIBLE);
  expect([...got].filter(([, n]) => n > 1)).toEqual([]);
  const ext = (i: number) => `wmk${Math.floor(i / PER_OWNER)}${String(i % PER_OWNER).padStart(6, '0')}`;
  for (const i of [0, 10, 5, 15]) expect(got.has(ext(i))).toBe(false); // early bird (capped) and opted out
  for (const i of [1, 2, 999]) expect(got.get(ext(i))).toBe(1);
  process.stdout.write(
    `crash test: killed during WeCom call #${KILL_AT_CALL} (${inFlightAtKill} recipients in flight) at ${sentAtKill} sent / ${sendingAtKill} unrecorded; ${TOTAL} recipients settled in ${seconds.toFixed(1)} s (${marks.join(', ')})\n`,
  );
}, 55_000);
