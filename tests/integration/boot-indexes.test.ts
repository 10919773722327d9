import mongoose from 'mongoose';
import { startTestApp, testDatabaseUri } from '../support/harness.js';
import { disconnectDb } from '../../server/src/shared/db.js';

/**
 * Boot creates every model's indexes (shared/db.ts syncIndexes) before it takes traffic. On a
 * database that already holds them — every restart — that must change nothing; on one that holds an
 * index of the same name with other options — a deployment made before a schema change — MongoDB
 * refuses it (IndexKeySpecsConflict), and so must the embedded server, or the first real deployment
 * is where the boot would fail.
 */
const uri = testDatabaseUri();
const TOUCH_SLOT_INDEX = 'tenantId_1_customerId_1_period_1_slot_1';

test('a restart on the same database boots; an index of the same name with other options stops the boot as MongoDB does', async () => {
  const first = await startTestApp({ env: { MONGODB_URI: uri } });
  const touches = () => mongoose.connection.db!.collection('broadcast_touches');
  const before = await touches().indexes();
  expect(before.find((i) => i.name === TOUCH_SLOT_INDEX)).toMatchObject({ unique: true });
  await first.stop();

  const second = await startTestApp({ env: { MONGODB_URI: uri } });
  expect(await touches().indexes()).toEqual(before);
  // The slot index as an older schema had it: not unique.
  await touches().dropIndex(TOUCH_SLOT_INDEX);
  await touches().createIndex({ tenantId: 1, customerId: 1, period: 1, slot: 1 }, { name: TOUCH_SLOT_INDEX });
  await second.stop();

  try {
    await expect(startTestApp({ env: { MONGODB_URI: uri } })).rejects.toMatchObject({ code: 86, codeName: 'IndexKeySpecsConflict' });
  } finally {
    await disconnectDb();
  }
}, 60_000);
