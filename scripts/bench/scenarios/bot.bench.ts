import mongoose from 'mongoose';
import { WechatyBuilder } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import type { Scenario } from '../bench-options.js';
import { BENCH_TENANT, startBenchApp, type HearingContact } from '../bench-env.js';
import { figure, nowMs, percentile, round, type Figure } from '../bench-report.js';
import { offerAtRate } from '../bench-fixtures.js';
import { botRuntimePlugin, type RunningBot } from '../../../bot/src/main.js';
import { deskRuntimePlugin } from '../../../server/src/modules/conversations/desk.plugin.js';

/**
 * Scenario 5: inbound chat through Wechaty on the mock puppet at an offered rate: every message is
 * captured into its conversation and answered by an FAQ rule. Latency runs from the shopper's message
 * to the shopper hearing the answer. Baseline: a bare Wechaty bot on the same puppet answering the
 * same text from memory, under the same offered load.
 */
const QUESTION = '包邮吗？';
const ANSWER = '全场满99元包邮，不满收取8元运费。';

export const botScenario: Scenario = {
  name: 'bot',
  title: 'Bot: inbound messages (capture + FAQ auto-reply) via the mock puppet',
  flags: {
    messages: 'inbound messages (default 1000)',
    rate: 'offered messages per second (default 500)',
    contacts: 'distinct chatting shoppers (default 100)',
  },
  async run(b, o) {
    const messages = o.num('messages', 1000);
    const rate = o.num('rate', 500);
    const contacts = Math.max(1, o.num('contacts', 100));

    const bare = await bareBot();
    let baseline, baselineKnown;
    try {
      const crowd = shoppers(bare.mocker, bare.account, contacts, 'b');
      baseline = await crowd.drive(messages, rate);
      baselineKnown = await crowd.drive(messages, rate);
    } finally {
      await bare.stop();
    }

    const mocker = new mock.Mocker();
    let running: RunningBot | undefined;
    const app = await startBenchApp(b, 'bench_bot', {
      env: { ROLES: 'server,worker', BOT_OUTBOUND_POLL_MS: '300' },
      plugins: [deskRuntimePlugin(), botRuntimePlugin({ mocker, onBot: (x) => (running = x) })],
    });
    try {
      await app.rt.services.desk.rules.createRule(BENCH_TENANT, { kind: 'faq', question: '运费', keywords: ['包邮', '运费'], reply: ANSWER });
      const account = mocker.createContact({ name: '品牌小助手' });
      mocker.login(account);
      await running!.loggedIn;
      // Each run counts its database calls into a map of its own.
      const calls = new Map<string, number>();
      const knownCalls = new Map<string, number>();
      let counting = calls;
      mongoose.set('debug', (coll: string, method: string) => void counting.set(`${coll}.${method}`, (counting.get(`${coll}.${method}`) ?? 0) + 1));
      let real, known;
      try {
        const crowd = shoppers(mocker, account, contacts, 'p');
        real = await crowd.drive(messages, rate);
        await running!.ctx.idle();
        counting = knownCalls;
        // The same shoppers again: every one known to the bot, its code warm.
        known = await crowd.drive(messages, rate);
        await running!.ctx.idle();
      } finally {
        mongoose.set('debug', false);
      }
      const perMessage = (m: Map<string, number>) => round([...m.values()].reduce((a, n) => a + n, 0) / messages, 1);
      const dbCallsPerMessage = perMessage(calls);
      const dbCallsPerKnownMessage = perMessage(knownCalls);
      const captured = await app.raw
        .collection('conversation_messages')
        .countDocuments({ direction: 'in' })
        .catch(() => -1);
      const capturedAll = await app.raw.collection('conversation_messages').countDocuments({});
      const figures: Figure[] = [
        figure({
          figure: 'throughput (answers heard)',
          value: round(real.answeredPerS, 1),
          unit: 'msg/s',
          baseline: round(baseline.answeredPerS, 1),
          note: `offered ${rate}/s by ${contacts} shoppers new to the bot; ${real.answered}/${messages} answered; ${dbCallsPerMessage} DB calls/message (incl. worker jobs)`,
        }),
        figure({ figure: 'CPU per message (bot process)', value: real.cpuMsPerMessage, unit: 'ms', baseline: baseline.cpuMsPerMessage, lowerIsBetter: true }),
        figure({ figure: 'latency p50', value: round(real.p50, 1), unit: 'ms', baseline: round(baseline.p50, 1), lowerIsBetter: true }),
        figure({ figure: 'latency p99', value: round(real.p99, 1), unit: 'ms', baseline: round(baseline.p99, 1), lowerIsBetter: true }),
        figure({
          figure: 'known shoppers: throughput',
          value: round(known.answeredPerS, 1),
          unit: 'msg/s',
          baseline: round(baselineKnown.answeredPerS, 1),
          note: `the same ${contacts} shoppers again; ${known.answered}/${messages} answered; ${dbCallsPerKnownMessage} DB calls/message`,
        }),
        figure({
          figure: 'known shoppers: CPU per message',
          value: known.cpuMsPerMessage,
          unit: 'ms',
          baseline: baselineKnown.cpuMsPerMessage,
          lowerIsBetter: true,
        }),
        figure({ figure: 'known shoppers: latency p50', value: round(known.p50, 1), unit: 'ms', baseline: round(baselineKnown.p50, 1), lowerIsBetter: true }),
        figure({
          figure: 'known shoppers: latency p99',
          value: round(known.p99, 1),
          unit: 'ms',
          baseline: round(baselineKnown.p99, 1),
          lowerIsBetter: true,
          target: '< 50 ms',
        }),
      ];
      return {
        scenario: 'bot',
        title: this.title,
        sizes: { messages, rate, contacts },
        figures,
        facts: {
          product: real,
          bareBot: baseline,
          productKnown: known,
          bareBotKnown: baselineKnown,
          dbCallsPerKnownMessage,
          dbCallsByCollectionKnown: Object.fromEntries([...knownCalls].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, round(n / messages, 2)])),
          inboundCaptured: captured,
          messagesStored: capturedAll,
          dbCallsPerMessage,
          dbCallsByCollection: Object.fromEntries([...calls].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, round(n / messages, 2)])),
        },
      };
    } finally {
      await running?.stop();
      await app.stop();
    }
  },
};

/**
 * `contacts` shoppers of the mock puppet. `drive` sends `messages` at `rate`/s round-robin over them
 * and pairs each answer with its question (FIFO per chat). The first drive is the bot's first
 * contact with each of them (a profile created per shopper, code still cold); a second is the steady
 * state of a bot that knows its shoppers.
 */
function shoppers(mocker: mock.Mocker, account: mock.ContactMock, contacts: number, prefix: string) {
  const sentAt = new Map<string, number[]>();
  let latencies: number[] = [];
  let others = 0;
  const users = Array.from({ length: contacts }, (_, i) => {
    const m = mocker.createContact({ name: `${prefix}顾客${i}` });
    sentAt.set(m.id, []);
    (m as HearingContact).on('message', (msg) => {
      if (msg.payload.talkerId !== account.id || !msg.payload.text) return;
      if (!String(msg.payload.text).includes(ANSWER)) return void others++;
      const t = sentAt.get(m.id)!.shift();
      if (t !== undefined) latencies.push(nowMs() - t);
    });
    return m;
  });
  async function drive(messages: number, rate: number) {
    latencies = [];
    others = 0;
    const cpu0 = process.cpuUsage();
    const t0 = await offerAtRate(messages, rate, (i) => {
      const u = users[i % contacts];
      sentAt.get(u.id)!.push(nowMs());
      u.say(QUESTION).to(account);
    });
    const until = nowMs() + 60_000 + messages * 20;
    while (latencies.length < messages && nowMs() < until) await new Promise((r) => setTimeout(r, 50));
    const elapsed = (nowMs() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      // This process's CPU per message (the bot, the server, the offered load; the database runs in its
      // own process): unlike throughput, hardly moved by what else the machine runs.
      cpuMsPerMessage: round((cpu.user + cpu.system) / 1000 / messages, 2),
      answered: latencies.length,
      otherReplies: others,
      answeredPerS: latencies.length / elapsed,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      seconds: round(elapsed, 1),
    };
  }
  return { drive };
}

/** The baseline: Wechaty on the mock puppet with one listener answering from memory. */
async function bareBot() {
  const mocker = new mock.Mocker();
  const bot = WechatyBuilder.build({ name: 'bench-bare', puppet: new PuppetMock({ mocker }) });
  let self = '';
  bot.on('login', (u) => {
    self = u.id;
  });
  bot.on('message', async (msg) => {
    if (msg.self() || msg.talker().id === self || msg.room()) return;
    await msg.say(ANSWER);
  });
  await bot.start();
  const account = mocker.createContact({ name: '裸机器人' });
  const loggedIn = new Promise<void>((resolve) => bot.once('login', () => resolve()));
  mocker.login(account);
  await loggedIn;
  return { mocker, account, stop: () => bot.stop() };
}
