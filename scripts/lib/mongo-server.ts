import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DryMongoBinary, MongoMemoryReplSet } from 'mongodb-memory-server-core';
import { resolveConfig, ResolveConfigVariables, DEFAULT_VERSION } from 'mongodb-memory-server-core/lib/util/resolveConfig.js';
import { startEmbeddedMongo } from '../../packages/embedded-mongo/index.js';

/**
 * The MongoDB that tests, the demo and the benchmarks run on when no MONGODB_URI is given: a real
 * `mongod` where this machine has one — the binary in MONGOMS_SYSTEM_BINARY, or one that
 * mongodb-memory-server downloaded earlier into its cache (it never downloads here) — started as a
 * single-node replica set, so transactions and change streams work as in production; otherwise the
 * embedded server (packages/embedded-mongo), which needs nothing installed. `describe` says which
 * one ran; the test run prints it first.
 */
export interface LocalMongo {
  kind: 'mongod' | 'embedded';
  uri: string;
  describe: string;
  /** The folder its data is kept in, when one was given. */
  dataDir?: string;
  /** Whether the data folder held data from an earlier run (demo restarts). */
  restored: boolean;
  /** Keep writing the data folder from now on (the embedded server snapshots; mongod always does). */
  persist(): Promise<void>;
  stop(): Promise<void>;
}

/** The mongod binary this machine has, without downloading one; undefined when there is none. */
export async function localMongodBinary(): Promise<string | undefined> {
  const systemBinary = resolveConfig(ResolveConfigVariables.SYSTEM_BINARY);
  const version = resolveConfig(ResolveConfigVariables.VERSION) ?? DEFAULT_VERSION;
  const found = await DryMongoBinary.locateBinary({ version, systemBinary }).catch(() => undefined);
  // A binary named in the environment that is not there is a mistake to report, not to skip quietly.
  if (systemBinary && !found) throw new Error(`MONGOMS_SYSTEM_BINARY=${systemBinary}: no mongod binary there`);
  return found;
}

/** `dataDirs`: where each kind keeps its data (the demo); without, the data goes with the server. */
export async function startLocalMongo(options: { dbName: string; dataDirs?: { mongod: string; embedded: string }; port?: number }): Promise<LocalMongo> {
  const binary = await localMongodBinary();
  if (!binary) {
    const dataDir = options.dataDirs?.embedded;
    const embedded = await startEmbeddedMongo({ dbName: options.dbName, dataDir, port: options.port });
    return {
      kind: 'embedded',
      uri: embedded.uri,
      describe: 'the embedded MongoDB server (packages/embedded-mongo; no mongod on this machine)',
      dataDir,
      restored: embedded.restored,
      persist: () => embedded.persist(),
      stop: () => embedded.stop(),
    };
  }
  const dataDir = options.dataDirs?.mongod;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const restored = !!dataDir && existsSync(path.join(dataDir, 'WiredTiger'));
  const replSet = await MongoMemoryReplSet.create({
    binary: { systemBinary: binary },
    replSet: { count: 1, storageEngine: 'wiredTiger' },
    // The demo keeps its data in its folder across restarts; tests and benches get a throwaway one.
    instanceOpts: [{ port: options.port, ...(dataDir ? { dbPath: dataDir } : {}) }],
  });
  return {
    kind: 'mongod',
    uri: replSet.getUri(options.dbName),
    describe: `mongod ${binary} as a single-node replica set`,
    dataDir,
    restored,
    persist: async () => undefined,
    stop: async () => {
      await replSet.stop({ doCleanup: !dataDir, force: false });
    },
  };
}
