import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, freemem, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What every scenario reports: named figures, each with its absolute value and, where the issue
 * asks for one, the baseline measured in the same run and the ratio between them. Printed as a table
 * and written as JSON beside this file, so BENCHMARKS.md quotes numbers a reader can regenerate.
 */
export interface Figure {
  figure: string;
  value: number;
  unit: string;
  /** Baseline measured in the same run, same unit. */
  baseline?: number;
  /** value / baseline, oriented so that 1.0 means "as fast as the baseline" (see `lowerIsBetter`). */
  ratio?: number;
  lowerIsBetter?: boolean;
  target?: string;
  note?: string;
}

export interface ScenarioResult {
  scenario: string;
  title: string;
  sizes: Record<string, number | string>;
  figures: Figure[];
  /** Anything else worth keeping (correctness checks, counts, memory). */
  facts: Record<string, unknown>;
}

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** Ratio "as fast as the baseline = 1.0": throughput value/baseline, latency baseline/value. */
export function figure(f: Omit<Figure, 'ratio'>): Figure {
  let ratio: number | undefined;
  if (f.baseline !== undefined && f.baseline > 0 && f.value > 0) ratio = f.lowerIsBetter ? f.baseline / f.value : f.value / f.baseline;
  return { ...f, ratio: ratio === undefined ? undefined : round(ratio, 3) };
}

export function round(n: number, digits = 1): number {
  const p = 10 ** digits;
  return Math.round(n * p) / p;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Samples this process's RSS and heap while `fn` runs; returns the peaks in MB. */
export async function withMemoryPeak<T>(fn: () => Promise<T>): Promise<{ result: T; rssMb: number; heapMb: number; rssStartMb: number; heapStartMb: number }> {
  let rss = process.memoryUsage().rss;
  let heap = process.memoryUsage().heapUsed;
  const rssStartMb = round(rss / 1048576);
  const heapStartMb = round(heap / 1048576);
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  }, 100);
  try {
    const result = await fn();
    return { result, rssMb: round(rss / 1048576), heapMb: round(heap / 1048576), rssStartMb, heapStartMb };
  } finally {
    clearInterval(timer);
  }
}

export function machine() {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 1073741824, 1),
    freeMemoryGb: round(freemem() / 1073741824, 1),
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAverage: loadavg().map((l) => round(l, 2)),
  };
}

function fmt(n: number | undefined, unit = ''): string {
  if (n === undefined || Number.isNaN(n)) return '';
  const s = Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(round(n, Math.abs(n) >= 10 ? 1 : 2));
  return unit ? `${s} ${unit}` : s;
}

export function formatTable(result: ScenarioResult): string {
  const header = ['figure', 'value', 'baseline', 'ratio', 'target', 'note'];
  const rows = result.figures.map((f) => [
    f.figure,
    fmt(f.value, f.unit),
    fmt(f.baseline, f.unit),
    f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`,
    f.target ?? '',
    f.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [
    `\n## ${result.scenario}: ${result.title}  (${Object.entries(result.sizes)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')})`,
    line(header),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...rows.map(line),
  ].join('\n');
}

export function writeResult(result: ScenarioResult, env: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${result.scenario}${env.backend === 'embedded' ? '' : `-${env.backend}`}.json`);
  writeFileSync(file, JSON.stringify({ ...result, env, machine: machine(), at: new Date().toISOString() }, null, 2) + '\n');
  return file;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** All cores' ticks from /proc/stat: busy = everything but idle and iowait. */
function systemTicks(): { busy: number; total: number } | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    return { busy: total - cpu[3] - (cpu[4] ?? 0), total };
  } catch {
    return undefined;
  }
}

/**
 * How busy the app process and the database process were while `fn` ran, as a share of one core
 * each, and the whole machine (all cores, every user's processes) as a share of its capacity. A side
 * near 100% is what limits the figure; both below it with the machine near 100% means CPU contention.
 */
export async function withCpuShare<T>(
  fn: () => Promise<T>,
  dbPid?: number,
): Promise<{ result: T; appCpu: number; dbCpu?: number; machineBusy?: number; seconds: number }> {
  const sys0 = systemTicks();
  const app0 = process.cpuUsage();
  const db0 = dbPid ? procCpuSeconds(dbPid) : undefined;
  const t0 = nowMs();
  const result = await fn();
  const seconds = (nowMs() - t0) / 1000;
  const app = process.cpuUsage(app0);
  const db1 = dbPid ? procCpuSeconds(dbPid) : undefined;
  const sys1 = systemTicks();
  return {
    machineBusy: sys0 && sys1 ? round((100 * (sys1.busy - sys0.busy)) / (sys1.total - sys0.total), 0) : undefined,
    result,
    seconds,
    appCpu: round((100 * (app.user + app.system)) / 1e6 / seconds, 0),
    dbCpu: db0 !== undefined && db1 !== undefined ? round((100 * (db1 - db0)) / seconds, 0) : undefined,
  };
}
