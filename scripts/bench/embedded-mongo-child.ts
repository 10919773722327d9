import { startEmbeddedMongo } from '../../packages/embedded-mongo/index.js';

/**
 * The embedded MongoDB in a process of its own, so that during a benchmark the database and the app
 * each get a core (as mongod and the app would), and a CPU profile of either shows only its side.
 * Prints one JSON line with the URI, then runs until stdin closes (its parent went away) or SIGTERM.
 */
const mongo = await startEmbeddedMongo({ dbName: 'bench' });
process.stdout.write(JSON.stringify({ uri: mongo.uri }) + '\n');
const stop = async () => {
  await mongo.stop().catch(() => undefined);
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
