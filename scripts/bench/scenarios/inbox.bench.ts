import { mock } from 'wechaty-puppet-mock';
import type { Scenario } from '../bench-options.js';
import { BENCH_TENANT, startBenchApp, type HearingContact } from '../bench-env.js';
import { figure, nowMs, percentile, round, type Figure } from '../bench-report.js';
import { botRuntimePlugin, type RunningBot } from '../../../bot/src/main.js';
import { deskRuntimePlugin } from '../../../server/src/modules/conversations/desk.plugin.js';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Scenario 8: inbox latency. `agents` agents keep the inbox open (its live stream, server-sent
 * events at /api/v1/conversations/stream); `talking` of them have each taken a customer's chat and
 * reply at the same time, each once every `gapMs`, `replies` replies in all. Measured from the reply's POST until the customer hears
 * it on the mock puppet (through the outbound row and the bot) and until every open inbox has the
 * message. No baseline: the figure is compared with the issue's target (p99 < 100 ms). The agents'
 * streams are read in a child process (inbox-agents-child.ts), as their browsers would be: reading
 * 50 streams in the server's process made the server share its event loop with its own audience.
 */
export const inboxScenario: Scenario = {
  name: 'inbox',
  title: 'Inbox: an agent reply reaching the customer and every open inbox (SSE), agents connected',
  flags: {
    agents: 'inboxes open (default 50)',
    talking: 'agents replying at the same time, each to a customer of their own (default 10)',
    replies: 'replies measured, over all talking agents (default 200)',
    gapMs: "time between one agent's replies (default 500)",
  },
  async run(b, o) {
    const agents = Math.max(1, o.num('agents', 50));
    const talking = Math.min(agents, Math.max(1, o.num('talking', 10)));
    const replies = o.num('replies', 200);
    const gapMs = o.num('gapMs', 500);
    const mocker = new mock.Mocker();
    let running: RunningBot | undefined;
    const app = await startBenchApp(b, 'bench_inbox', {
      env: { ROLES: 'server,worker', BOT_OUTBOUND_POLL_MS: '300', DESK_SSE_MAX_SECONDS: '600' },
      plugins: [deskRuntimePlugin(), botRuntimePlugin({ mocker, onBot: (x) => (running = x) })],
    });
    let agentsProcess: AgentsProcess | undefined;
    try {
      const s = app.rt.services;
      const tokens: string[] = [];
      for (let i = 0; i < agents; i++) {
        const username = `bench_agent_${i}`;
        await s.staff.create(BENCH_TENANT, { username, name: `坐席${i}`, role: 'agent', password: 'harbor-kettle-2026' });
        tokens.push((await s.staff.login(BENCH_TENANT, username, 'harbor-kettle-2026')).token);
      }
      const account = mocker.createContact({ name: '品牌小助手' });
      mocker.login(account);
      await running!.loggedIn;
      const heardAt = new Map<string, number>();
      const customers = Array.from({ length: talking }, (_, i) => {
        const customer = mocker.createContact({ name: `收件顾客${i}` });
        (customer as HearingContact).on('message', (msg) => {
          if (msg.payload.talkerId === account.id && msg.payload.text) heardAt.set(String(msg.payload.text), nowMs());
        });
        customer.say('你好').to(account);
        return customer;
      });
      const conversations: string[] = [];
      for (const customer of customers) {
        const until = nowMs() + 30_000;
        let found: Awaited<ReturnType<typeof s.desk.conversations.findByPeer>> = null;
        while (!(found = await s.desk.conversations.findByPeer(BENCH_TENANT, account.id, customer.id)) && nowMs() < until)
          await new Promise((r) => setTimeout(r, 20));
        if (!found) throw new Error('a customer’s chat never appeared');
        conversations.push(String(found._id));
      }
      agentsProcess = await startAgents(app.url, tokens);
      const inboxes = agentsProcess;
      const call = (agent: number, method: string, path: string, body?: unknown) =>
        fetch(`${app.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${tokens[agent]}`, 'content-type': 'application/json' },
          body: body ? JSON.stringify(body) : undefined,
        });
      // Agent i has taken customer i's chat.
      for (const [i, id] of conversations.entries()) {
        const taken = await call(i, 'POST', `/api/v1/conversations/${id}/take`);
        if (!taken.ok) throw new Error(`take failed: ${taken.status}`);
      }

      const sentAt = new Map<string, number>();
      const each = Math.ceil(replies / talking);
      await Promise.all(
        conversations.map(async (id, i) => {
          // Staggered, so the agents' replies interleave instead of landing together.
          await new Promise((res) => setTimeout(res, (gapMs * i) / talking));
          for (let k = 0; k < each; k++) {
            const text = `坐席${i}第${k}条人工回复`;
            sentAt.set(text, nowMs());
            const r = await call(i, 'POST', `/api/v1/conversations/${id}/messages`, { text, key: `bench-${i}-${k}` });
            if (!r.ok) throw new Error(`reply failed: ${r.status} ${await r.text()}`);
            await new Promise((res) => setTimeout(res, gapMs));
          }
        }),
      );
      const deadline = nowMs() + 30_000;
      const complete = () => [...sentAt.keys()].every((t) => heardAt.has(t) && inboxes.seen.has(t));
      while (!complete() && nowMs() < deadline) await new Promise((r) => setTimeout(r, 20));

      const toCustomer: number[] = [];
      const toEveryInbox: number[] = [];
      const toOneInbox: number[] = [];
      let missing = 0;
      for (const [text, t0] of sentAt) {
        const heard = heardAt.get(text);
        if (heard === undefined) missing++;
        else toCustomer.push(heard - t0);
        const inboxTimes = inboxes.seen.get(text);
        if (!inboxTimes) missing++;
        else {
          toEveryInbox.push(Math.max(...inboxTimes) - t0);
          for (const t of inboxTimes) toOneInbox.push(t - t0);
        }
      }
      const sort = (a: number[]) => [...a].sort((x, y) => x - y);
      const [c, e, one] = [sort(toCustomer), sort(toEveryInbox), sort(toOneInbox)];
      const figures: Figure[] = [
        figure({
          figure: 'reply → customer hears it, p50',
          value: round(percentile(c, 50), 1),
          unit: 'ms',
          lowerIsBetter: true,
          note: `${agents} inboxes open; ${talking} agents replying, each once per ${gapMs} ms; ${sentAt.size} replies; ${missing} missing`,
        }),
        figure({ figure: 'reply → customer hears it, p99', value: round(percentile(c, 99), 1), unit: 'ms', lowerIsBetter: true, target: '< 100 ms' }),
        figure({ figure: 'reply → shown in every open inbox, p50', value: round(percentile(e, 50), 1), unit: 'ms', lowerIsBetter: true }),
        figure({ figure: 'reply → shown in every open inbox, p99', value: round(percentile(e, 99), 1), unit: 'ms', lowerIsBetter: true, target: '< 100 ms' }),
      ];
      return {
        scenario: 'inbox',
        title: this.title,
        sizes: { agents, talking, replies, gapMs },
        figures,
        facts: {
          missing,
          customerMs: { p50: percentile(c, 50), p99: percentile(c, 99), max: c.at(-1) },
          everyInboxMs: { p50: percentile(e, 50), p99: percentile(e, 99), max: e.at(-1) },
          oneInboxMs: { p50: percentile(one, 50), p99: percentile(one, 99) },
        },
      };
    } finally {
      agentsProcess?.stop();
      await running?.stop();
      await app.stop();
    }
  },
};

interface AgentsProcess {
  /** Per message text, once every inbox had it: when each one first showed it (monotonic ms). */
  seen: Map<string, number[]>;
  stop(): void;
}

/** The agents' consoles in a child process: resolves when every stream answered. */
async function startAgents(url: string, tokens: string[]): Promise<AgentsProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('../inbox-agents-child.ts', import.meta.url)), JSON.stringify({ url, tokens })],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const seen = new Map<string, number[]>();
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the agents' process ended early (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line === 'ready') return resolve();
      const { text, times } = JSON.parse(line) as { text: string; times: number[] };
      seen.set(text, times);
    });
  });
  return {
    seen,
    stop: () => {
      child.removeAllListeners('exit');
      child.stdin!.write('stop\n');
    },
  };
}
