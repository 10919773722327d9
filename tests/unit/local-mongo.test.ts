import { MongoClient } from 'mongodb';
import { localMongodBinary, startLocalMongo } from '../../scripts/lib/mongo-server.js';

/**
 * Tests and the demo run on a real mongod where the machine has one, on the embedded server where it
 * has none; a binary named in MONGOMS_SYSTEM_BINARY that is not there is reported, not skipped.
 */
const saved = process.env.MONGOMS_SYSTEM_BINARY;
afterEach(() => {
  if (saved === undefined) delete process.env.MONGOMS_SYSTEM_BINARY;
  else process.env.MONGOMS_SYSTEM_BINARY = saved;
});

test('the MongoDB started is a mongod when this machine has one, else the embedded server, and it answers', async () => {
  const binary = await localMongodBinary();
  const mongo = await startLocalMongo({ dbName: 'local_mongo_probe' });
  try {
    expect(mongo.kind).toBe(binary ? 'mongod' : 'embedded');
    expect(mongo.describe).toMatch(binary ? /single-node replica set/ : /embedded MongoDB server/);
    const client = await new MongoClient(mongo.uri).connect();
    try {
      await client.db().collection('probe').insertOne({ ok: 1 });
      expect(await client.db().collection('probe').countDocuments({})).toBe(1);
    } finally {
      await client.close();
    }
  } finally {
    await mongo.stop();
  }
}, 60_000);

test('a mongod binary named in MONGOMS_SYSTEM_BINARY that is not there is an error naming the setting', async () => {
  process.env.MONGOMS_SYSTEM_BINARY = '/nonexistent/bin/mongod';
  await expect(startLocalMongo({ dbName: 'x' })).rejects.toThrow(/MONGOMS_SYSTEM_BINARY=\/nonexistent\/bin\/mongod: no mongod binary there/);
});
