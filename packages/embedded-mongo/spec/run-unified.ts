import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { startEmbeddedMongo } from '../index.js';
import { NOTHING_COMPARED, parseUnifiedFile, runUnifiedFile, serverFacts, type Status, type Verdict } from './unified-runner.js';

/**
 * `npm run spec:embedded -- <dir> [--uri mongodb://…] [--only <text>] [--failures]`
 *
 * Runs the unified test files (*.json) of <dir> — the official CRUD tests,
 * mongodb/specifications source/crud/tests/unified — against a fresh embedded server (or the server at
 * --uri, to see what a real mongod answers), and prints per operation how many tests passed, failed
 * and were skipped, then each failure and each skip reason. The spec files are not ours and are not
 * kept in this repository; README.md ("Fidelity") says how to get them.
 */
const HOW_TO_GET = `Get the files first, e.g.:
  git clone --depth 1 https://github.com/mongodb/specifications /tmp/specifications
  npm run spec:embedded -- /tmp/specifications/source/crud/tests/unified`;

function parseArgs(argv: string[]) {
  const args: { dir?: string; uri?: string; only?: string; failures: boolean } = { failures: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--uri') args.uri = argv[++i];
    else if (argv[i] === '--only') args.only = argv[++i];
    else if (argv[i] === '--failures') args.failures = true;
    else args.dir = argv[i];
  }
  return args;
}

/** The commit of the checkout the files come from, when they sit in one. */
function specCommit(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export function table(verdicts: Verdict[]): string {
  const rows = new Map<string, Record<Status, number>>();
  for (const v of verdicts) {
    const row = rows.get(v.operation) ?? { passed: 0, failed: 0, skipped: 0 };
    row[v.status]++;
    rows.set(v.operation, row);
  }
  const total = { passed: 0, failed: 0, skipped: 0 };
  const lines = ['| operation | passed | failed | skipped |', '|---|---:|---:|---:|'];
  for (const [op, row] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`| ${op} | ${row.passed} | ${row.failed} | ${row.skipped} |`);
    for (const s of ['passed', 'failed', 'skipped'] as const) total[s] += row[s];
  }
  lines.push(`| **all** | **${total.passed}** | **${total.failed}** | **${total.skipped}** |`);
  return lines.join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.dir || !existsSync(args.dir) || !statSync(args.dir).isDirectory()) {
    console.error(`${args.dir ? `No directory ${args.dir}.` : 'Which unified test files? Give their directory.'}\n${HOW_TO_GET}`);
    process.exit(2);
  }
  const files = readdirSync(args.dir)
    .filter((f) => f.endsWith('.json') && (!args.only || f.includes(args.only)))
    .sort();
  if (files.length === 0) {
    console.error(`No unified test files (*.json) in ${args.dir}.\n${HOW_TO_GET}`);
    process.exit(2);
  }
  const embedded = args.uri ? undefined : await startEmbeddedMongo({ dbName: 'spec' });
  const uri = args.uri ?? embedded!.uri;
  const verdicts: Verdict[] = [];
  try {
    const server = await serverFacts(uri);
    console.log(
      `Server: ${args.uri ? uri : 'embedded'} ${server.version.join('.')} (${server.topology}); specifications commit: ${specCommit(args.dir)}; ${files.length} files\n`,
    );
    for (const f of files)
      verdicts.push(...(await runUnifiedFile(uri, basename(f, '.json'), parseUnifiedFile(readFileSync(join(args.dir, f), 'utf8')), server)));
  } finally {
    await embedded?.stop();
  }
  console.log(table(verdicts));
  const unchecked = verdicts.filter((v) => v.reason === NOTHING_COMPARED).length;
  console.log(`\n${unchecked} of the passed tests compare only their commands (expectEvents), not checked here: they passed by answering without an error.`);
  console.log('\nFailed:');
  for (const v of verdicts.filter((v) => v.status === 'failed')) console.log(`- ${v.file}: ${v.test}\n    ${v.reason}`);
  if (!args.failures) {
    const reasons = new Map<string, number>();
    for (const v of verdicts.filter((v) => v.status === 'skipped')) reasons.set(v.reason!, (reasons.get(v.reason!) ?? 0) + 1);
    console.log('\nSkipped:');
    for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`- ${n} × ${reason}`);
  }
}

await main();
