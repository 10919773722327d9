import { MongoClient } from 'mongodb';

/** True when the run's MongoDB is the embedded server (global-setup.mjs), false on MONGODB_URI. */
export const embeddedMongo = process.env.SCRM_EMBEDDED_MONGO === '1';

/** For checks of the embedded server itself: `test`, skipped when the run uses a real MongoDB. */
export const embeddedTest = embeddedMongo ? test : test.skip;

/**
 * A driver client on the run's embedded server, connected before the tests of the file or describe
 * block this is called in and closed after them; read it inside an `embeddedTest`.
 */
export function embeddedClient(): () => MongoClient {
  let client: MongoClient | undefined;
  beforeAll(async () => {
    if (embeddedMongo) client = await new MongoClient(process.env.MONGODB_URI!).connect();
  });
  afterAll(async () => {
    await client?.close();
  });
  return () => client!;
}
