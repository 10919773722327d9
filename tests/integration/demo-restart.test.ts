import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoProcess, type DemoProcess } from '../../scripts/lib/demo-process.js';
import { eventually } from '../support/eventually.js';

/**
 * `npm start` keeps its data: what staff did in the demo is there after a graceful restart, and
 * `npm start -- --fresh` starts over from the seed. Runs scripts/demo.ts as `npm start` does, on a data
 * folder of its own (DEMO_DATA_DIR) and a small seed, so it changes nothing in the working copy.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dataDir = mkdtempSync(path.join(tmpdir(), 'scrm-demo-restart-'));
const children: DemoProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

const gitStatus = () => execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });

/** Starts the demo; resolves once it prints its banner, with its base URL and a way to stop it. */
async function startDemo(args: string[] = []) {
  const demo = await startDemoProcess({ dataDir, args, env: { DEMO_CUSTOMERS: '30' }, startMs: 240_000 });
  children.push(demo);
  const stop = async () => {
    const code = await demo.stop();
    if (code !== 0) console.error(`exit ${code}; output:\n${demo.output()}`);
    return code;
  };
  return { ...demo, stop };
}

async function api<T = any>(url: string, token: string | null, method: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as T };
}

const signIn = async (url: string) => {
  const res = await api<{ token: string }>(`${url}/api/v1/auth/login`, null, 'post', { username: 'admin', password: 'scrm-demo-2026' });
  expect(res.status).toBe(200);
  return res.body.token;
};
const tagNames = async (url: string, token: string) =>
  (await api<{ items: Array<{ name: string }> }>(`${url}/api/v1/tags`, token, 'get')).body.items.map((t) => t.name);
/** The member's points balance; 0 before the customer has a member card. */
const balance = async (url: string, token: string, customerId: string) => {
  const res = await api<{ balance: number }>(`${url}/api/v1/loyalty/members/${customerId}`, token, 'get');
  expect([200, 404]).toContain(res.status);
  return res.status === 200 ? res.body.balance : 0;
};

test('a restart keeps what staff did, and --fresh starts over from the demo seed', async () => {
  const before = gitStatus();

  const first = await startDemo();
  expect(first.output()).toMatch(/SCRM demo is running \(demo data seeded\)/);
  let token = await signIn(first.url);
  const customers = await api<{ items: Array<{ id?: string; _id?: string }>; total: number }>(`${first.url}/api/v1/customers?pageSize=1`, token, 'get');
  expect(customers.status).toBe(200);
  const customerId = String(customers.body.items[0].id ?? customers.body.items[0]._id);
  const seededBalance = await balance(first.url, token, customerId);
  expect((await api(`${first.url}/api/v1/tags`, token, 'post', { groupName: '重启验证', name: '重启前打的标签' })).status).toBe(201);
  const adjusted = await api(`${first.url}/api/v1/loyalty/members/${customerId}/points`, token, 'post', {
    points: 123,
    reason: '重启前的积分调整',
    idempotencyKey: 'demo-restart-0001',
  });
  expect(adjusted.status).toBe(201);
  // The brand's WeCom came in with the demo: the sales reps' contacts (first full sync) and a manager's
  // campaigns, one of them posted to the customer groups.
  expect((await api<{ total: number }>(`${first.url}/api/v1/customers?relation=active&pageSize=1`, token, 'get')).body.total).toBeGreaterThan(3);
  const campaigns = (await api<{ items: Array<{ id: string; name: string; status: string }> }>(`${first.url}/api/v1/broadcasts`, token, 'get')).body.items;
  expect(campaigns.map((c) => c.name).sort()).toEqual(['12·12 会员日预告', '年终回馈 · 老客专享', '群福利 · 周末抽奖']);
  const groupPost = campaigns.find((c) => c.name === '群福利 · 周末抽奖')!;
  expect(await first.stop()).toBe(0);

  const second = await startDemo();
  expect(second.output()).toMatch(/SCRM demo is running \(existing data kept\)/);
  // The staff member is still signed in (the session and the secret outlived the restart) and sees their work.
  expect(await tagNames(second.url, token)).toContain('重启前打的标签');
  expect(await balance(second.url, token, customerId)).toBe(seededBalance + 123);
  const ledger = await api<{ items: Array<{ reason?: string; points: number }> }>(`${second.url}/api/v1/loyalty/members/${customerId}/ledger`, token, 'get');
  expect(ledger.body.items.some((e) => e.points === 123 && e.reason === '重启前的积分调整')).toBe(true);
  // No customer lost (the demo's simulated WeCom and bot may have added some since).
  expect((await api<{ total: number }>(`${second.url}/api/v1/customers?pageSize=1`, token, 'get')).body.total).toBeGreaterThanOrEqual(customers.body.total);
  // The local WeCom kept its state too: the group post's results come from the group messages it
  // created before the restart (an in-memory WeCom would answer 40058 for an unknown msgid).
  const synced = await eventually(
    async () => {
      const res = await api<{ delivery: { delivered: number } }>(`${second.url}/api/v1/broadcasts/${groupPost.id}/sync-results`, token, 'post');
      expect(res.status).toBe(200);
      return res.body.delivery.delivered > 0 && res.body;
    },
    60_000,
    "the group post's results after the restart",
  );
  expect(synced.delivery.delivered).toBeGreaterThan(0);
  expect(await second.stop()).toBe(0);

  const fresh = await startDemo(['--fresh']);
  expect(fresh.output()).toMatch(/SCRM demo is running \(demo data seeded\)/);
  // The old session went with the old data.
  expect((await api(`${fresh.url}/api/v1/tags`, token, 'get')).status).toBe(401);
  token = await signIn(fresh.url);
  expect(await tagNames(fresh.url, token)).not.toContain('重启前打的标签');
  expect(await fresh.stop()).toBe(0);

  // Everything went to the data folder given: the working copy is as it was.
  expect(gitStatus()).toBe(before);
}, 420_000);
