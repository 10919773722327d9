import { Redis } from 'ioredis';

/**
 * Runs before each test file (Jest's setupFilesAfterEnv). The file uses its worker's own redis-server
 * (global-setup.mjs starts one per worker), emptied before the file's first test: nothing a file
 * leaves in Redis (rate-limit buckets, caches, locks) reaches the next file, and files running side by
 * side share no keys or pub/sub channels. MongoDB needs nothing here: each file's app uses a database
 * of its own (harness.ts).
 */
const own = process.env[`SCRM_TEST_REDIS_${process.env.JEST_WORKER_ID ?? '1'}`];
if (own) process.env.REDIS_URL = own;

beforeAll(async () => {
  if (!own) return; // REDIS_URL given from outside: not ours to empty
  const client = new Redis(own, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    await client.flushall();
  } finally {
    client.disconnect();
  }
});
