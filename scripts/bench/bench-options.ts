import type { Backends } from './bench-env.js';
import type { ScenarioResult } from './bench-report.js';

/** `--key=value` / `--key value` flags after the scenario names; each scenario reads its own sizes. */
export class BenchOptions {
  constructor(private readonly flags: Map<string, string>) {}

  static parse(argv: string[]): { names: string[]; options: BenchOptions } {
    const names: string[] = [];
    const flags = new Map<string, string>();
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (!a.startsWith('--')) {
        names.push(a);
        continue;
      }
      const [k, v] = a.slice(2).split('=', 2);
      if (v !== undefined) flags.set(k, v);
      else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) flags.set(k, argv[++i]);
      else flags.set(k, 'true');
    }
    return { names, options: new BenchOptions(flags) };
  }

  num(key: string, fallback: number): number {
    const v = this.flags.get(key);
    if (v === undefined) return fallback;
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${key} must be a non-negative number, got "${v}"`);
    return n;
  }

  str(key: string, fallback: string): string {
    return this.flags.get(key) ?? fallback;
  }

  bool(key: string): boolean {
    const v = this.flags.get(key);
    return v === 'true' || v === '1';
  }
}

export interface Scenario {
  name: string;
  title: string;
  /** The flags it reads, with their defaults (printed by --help). */
  flags: Record<string, string>;
  run(b: Backends, o: BenchOptions): Promise<ScenarioResult>;
}
