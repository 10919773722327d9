import http from 'node:http';
import mongoose from 'mongoose';
import type { Scenario } from '../bench-options.js';
import { BENCH_TENANT, startBenchApp } from '../bench-env.js';
import { figure, nowMs, percentile, round, type Figure } from '../bench-report.js';
import { offerAtRate } from '../bench-fixtures.js';
import { startFakeWecom, type FakeWecom } from '../../wecom-fake/fake-wecom.js';
import { deskRuntimePlugin } from '../../../server/src/modules/conversations/desk.plugin.js';
import { wecomPlugin } from '../../../server/src/wecom/wecom.plugin.js';
import { wechatKfPlugin } from '../../../server/src/modules/wechat-kf/wechat-kf.plugin.js';
import type { KfClient } from '../../../server/src/modules/wechat-kf/kf.client.js';

/**
 * Scenario 7: 微信客服 at an offered rate through the real path against the local WeCom: the customer
 * writes (the stand-in stores the message and POSTs the encrypted `kf_msg_or_event` callback), the
 * server syncs with kf/sync_msg, captures, matches a rule and answers with kf/send_msg. Latency runs
 * from the customer's message to the stand-in accepting the answer. Baseline: the same stand-in round
 * trip (callback to a bare HTTP listener, kf/sync_msg, kf/send_msg) done by a bare loop, no product.
 */
const QUESTION = '什么时候发货？';
const ANSWER = '下单后48小时内发货。';

export const kfScenario: Scenario = {
  name: 'kf',
  title: '微信客服: callback + kf/sync_msg + capture + rule answer via kf/send_msg, against the local WeCom',
  flags: {
    messages: 'customer messages (default 1000)',
    rate: 'offered messages per second (default 500)',
    contacts: 'distinct customers (default 500: WeCom allows 5 answers after a customer message, so each writes twice)',
  },
  async run(b, o) {
    const messages = o.num('messages', 1000);
    const rate = o.num('rate', 500);
    const contacts = Math.max(1, o.num('contacts', 500));
    const fake = await startFakeWecom();
    const app = await startBenchApp(b, 'bench_kf', {
      env: { ...fake.env(), ROLES: 'server,worker', WECOM_KF_ENABLED: 'true', BOT_OUTBOUND_POLL_MS: '300' },
      plugins: [deskRuntimePlugin(), wecomPlugin(), wechatKfPlugin()],
    });
    try {
      await app.rt.services.desk.rules.createRule(BENCH_TENANT, {
        kind: 'keyword',
        keywords: ['发货'],
        reply: ANSWER,
        action: 'reply',
        priority: 10,
        active: true,
      });
      const client = app.rt.services.wechatKf.client;

      // Baseline first: the callback goes to a bare listener that syncs and answers from memory.
      const bareKf = fake.kf.addAccount('裸循环');
      const bare = await bareLoop(fake, client, bareKf);
      let baseline;
      try {
        baseline = await drive(fake, bareKf, messages, rate, contacts, 'b');
      } finally {
        await bare.stop();
      }

      fake.setCallbackUrl(`${app.url}/wecom/callback`);
      const kfId = fake.kf.addAccount('品牌客服');
      const calls = new Map<string, number>();
      mongoose.set('debug', (coll: string, method: string) => void calls.set(`${coll}.${method}`, (calls.get(`${coll}.${method}`) ?? 0) + 1));
      let real;
      try {
        real = await drive(fake, kfId, messages, rate, contacts, 'p');
      } finally {
        mongoose.set('debug', false);
      }
      const dbCallsPerMessage = round([...calls.values()].reduce((a, n) => a + n, 0) / messages, 1);
      const captured = await app.raw.collection('conversation_messages').countDocuments({ direction: 'in' });
      const answersStored = await app.raw.collection('conversation_messages').countDocuments({ direction: 'out', author: 'bot' });
      const figures: Figure[] = [
        figure({
          figure: 'throughput (answers sent)',
          value: round(real.answeredPerS, 1),
          unit: 'msg/s',
          baseline: round(baseline.answeredPerS, 1),
          note: `offered ${rate}/s; ${real.answered}/${messages} answered, ${captured} captured; ${dbCallsPerMessage} DB calls/message (incl. worker jobs)`,
        }),
        figure({ figure: 'latency p50', value: round(real.p50, 1), unit: 'ms', baseline: round(baseline.p50, 1), lowerIsBetter: true }),
        figure({ figure: 'latency p99', value: round(real.p99, 1), unit: 'ms', baseline: round(baseline.p99, 1), lowerIsBetter: true, target: '< 50 ms' }),
      ];
      return {
        scenario: 'kf',
        title: this.title,
        sizes: { messages, rate, contacts },
        figures,
        facts: {
          product: real,
          bareLoop: baseline,
          inboundCaptured: captured,
          answersStored,
          dbCallsPerMessage,
          dbCallsByCollection: Object.fromEntries([...calls].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, round(n / messages, 2)])),
        },
      };
    } finally {
      await app.stop();
      await fake.stop();
    }
  },
};

/** Offers `messages` at `rate`/s round-robin over `contacts` customers; pairs each answer with its question (FIFO per customer). */
async function drive(fake: FakeWecom, openKfId: string, messages: number, rate: number, contacts: number, prefix: string) {
  const sentAt = new Map<string, number[]>();
  const latencies: number[] = [];
  let failedCallbacks = 0;
  const sent = fake.kf.state.sent;
  const push = sent.push.bind(sent);
  // Every accepted kf/send_msg passes here: the moment the answer reaches WeCom.
  sent.push = (...rows) => {
    for (const row of rows) {
      if (row.open_kfid !== openKfId || row.text !== ANSWER) continue;
      const t = sentAt.get(row.touser)?.shift();
      if (t !== undefined) latencies.push(nowMs() - t);
    }
    return push(...rows);
  };
  const users = Array.from({ length: contacts }, (_, i) => ({
    external_userid: `wm${prefix}bench${String(i).padStart(6, '0')}`,
    nickname: `${prefix}顾客${i}`,
  }));
  for (const u of users) sentAt.set(u.external_userid, []);
  let t0: number;
  const inFlight: Array<Promise<unknown>> = [];
  try {
    t0 = await offerAtRate(messages, rate, (i) => {
      const u = users[i % contacts];
      sentAt.get(u.external_userid)!.push(nowMs());
      inFlight.push(fake.kf.customerSends(openKfId, u, QUESTION).catch(() => void failedCallbacks++));
    });
    await Promise.all(inFlight);
    const until = nowMs() + 60_000 + messages * 20;
    while (latencies.length < messages && nowMs() < until) await new Promise((r) => setTimeout(r, 20));
  } finally {
    sent.push = push;
  }
  const elapsed = (nowMs() - t0) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    answered: latencies.length,
    failedCallbacks,
    answeredPerS: latencies.length / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    seconds: round(elapsed, 1),
  };
}

/** The baseline's server: answers every callback at once, then syncs from its cursor and sends the answer (one sync at a time). */
async function bareLoop(fake: FakeWecom, client: KfClient, openKfId: string) {
  let cursor = '';
  let running: Promise<void> | undefined;
  let again = false;
  const sync = async () => {
    do {
      again = false;
      const r = await client.syncMsg({ open_kfid: openKfId, ...(cursor ? { cursor } : {}) });
      cursor = r.next_cursor || cursor;
      await Promise.all(
        (r.msg_list ?? [])
          .filter((m) => m.origin === 3)
          .map((m) => client.sendText({ open_kfid: openKfId, touser: m.external_userid!, content: ANSWER }).catch(() => void failures++)),
      );
    } while (again);
  };
  let failures = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.end('success');
      if (running) again = true;
      else
        running = sync()
          .catch(() => void failures++)
          .finally(() => (running = undefined));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.setCallbackUrl(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  return {
    async stop() {
      await running;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
