import autocannon from 'autocannon';

/**
 * autocannon in a process of its own (the load must not share the server's event loop). Reads one
 * JSON job from argv: {url, connections, duration, tokens?}; each connection presents one of the
 * tokens in turn, so the load is spread over many shoppers. Prints autocannon's result as JSON.
 */
interface Job {
  url: string;
  connections: number;
  duration: number;
  tokens?: string[];
}

const job = JSON.parse(process.argv[2]) as Job;
let next = 0;
const result = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.duration,
  pipelining: 1,
  timeout: 30,
  setupClient: (client: { setHeaders(headers: Record<string, string>): void }) => {
    if (job.tokens?.length) client.setHeaders({ authorization: `Bearer ${job.tokens[next++ % job.tokens.length]}` });
  },
});
process.stdout.write(JSON.stringify(result) + '\n');
