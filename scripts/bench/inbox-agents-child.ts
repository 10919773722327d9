import { createInterface } from 'node:readline';
import { openEventStream } from '../lib/event-stream.js';
import { nowMs } from './bench-report.js';

/**
 * The inbox scenario's agents, in a process of their own (their browsers are not in the server's
 * event loop either): opens one console live stream per token, prints `ready` when all answered,
 * then one JSON line per message text once every stream has it — `{ text, times }`, each stream's
 * first sight on the machine's monotonic clock (process.hrtime, shared by the processes of one
 * machine). `stop` on stdin closes the streams and ends the process.
 */
const job = JSON.parse(process.argv[2] ?? '{}') as { url: string; tokens: string[] };
const seen = new Map<string, number[]>();
const streams: Array<{ close(): void }> = [];
for (const [i, token] of job.tokens.entries()) {
  const stream = await openEventStream(job.url, token, (event, data) => {
    const text = event === 'message.created' ? (data as { message?: { text?: string } } | null)?.message?.text : undefined;
    if (!text) return;
    const at = nowMs();
    let times = seen.get(text);
    if (!times) seen.set(text, (times = new Array<number>(job.tokens.length)));
    if (times[i] !== undefined) return;
    times[i] = at;
    if (times.filter((t) => t !== undefined).length === job.tokens.length) process.stdout.write(JSON.stringify({ text, times }) + '\n');
  });
  if (stream.status !== 200) throw new Error(`stream refused: ${stream.status}`);
  streams.push(stream);
}
process.stdout.write('ready\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'stop') return;
  for (const s of streams) s.close();
  process.exit(0);
});
