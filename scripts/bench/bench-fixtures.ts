import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Services } from '../../server/src/services.js';
import { signToken } from '../../server/src/shared/tokens.js';
import { BENCH_SECRET } from './bench-env.js';
import { nowMs } from './bench-report.js';

/**
 * The chat scenarios' offered load: calls `send(i)` `count` times, paced at `rate` per second from
 * now (never bunched to catch up early). Resolves with the start, on `nowMs()`'s clock.
 */
export async function offerAtRate(count: number, rate: number, send: (i: number) => void): Promise<number> {
  const t0 = nowMs();
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / rate - nowMs();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    send(i);
  }
  return t0;
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i], i);
  });
  await Promise.all(lanes);
  return out;
}

/** Mainland-looking phone numbers, unique per index and per run prefix. */
export const benchPhone = (i: number, prefix = 0) => `1${String(39 + prefix).padStart(2, '0')}${String(i).padStart(8, '0')}`;

/** `n` customers imported in bulk through the customers service (phone identities). */
export async function importCustomers(s: Services, tenantId: string, n: number, prefix = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let from = 0; from < n; from += 1000) {
    const rows = Array.from({ length: Math.min(1000, n - from) }, (_, j) => ({
      identity: { phone: benchPhone(from + j, prefix) },
      attrs: { name: `顾客${from + j}`, city: ['上海', '北京', '杭州', '深圳', '成都'][(from + j) % 5] },
    }));
    ids.push(...(await s.customers.importMany(tenantId, rows, 'bench')).ids);
  }
  return ids;
}

export function shopperToken(tenantId: string, customerId: string): Promise<string> {
  return signToken(BENCH_SECRET, { k: 'shopper', sub: customerId, t: tenantId, exp: Math.floor(Date.now() / 1000) + 86_400 });
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** autocannon against `url` from a child process (scripts/bench/load-client.ts). */
export async function load(url: string, connections: number, duration: number, tokens?: string[]): Promise<LoadResult> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./load-client.ts', import.meta.url)), JSON.stringify({ url, connections, duration, tokens })],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`autocannon exited with ${code}`);
  const r = JSON.parse(out.trim().split('\n').pop()!);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx ?? 0,
    errors: r.errors ?? 0,
    timeouts: r.timeouts ?? 0,
  };
}
