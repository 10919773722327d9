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

export async function startLocalMongo(options: { dbName: string; dataDir?: string; port?: number }): Promise<LocalMongo> {
  const binary = await localMongodBinary();
  if (!binary) {
    const embedded = await startEmbeddedMongo({ dbName: options.dbName, dataDir: options.dataDir, port: options.port });
    return {
      kind: 'embedded',
      uri: embedded.uri,
      describe: 'the embedded MongoDB server (packages/embedded-mongo; no mongod on this machine)',
      restored: embedded.restored,
      persist: () => embedded.persist(),
      stop: () => embedded.stop(),
    };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const restored = !!options.dataDir && existsSync(path.join(options.dataDir, 'WiredTiger'));
  const replSet = await MongoMemoryReplSet.create({
    binary: { systemBinary: binary },
    replSet: { count: 1, storageEngine: 'wiredTiger' },
    // The demo keeps its data in its folder across restarts; tests and benches get a throwaway one.
    instanceOpts: [{ port: options.port, ...(options.dataDir ? { dbPath: options.dataDir } : {}) }],
  });
  const uri = replSet.getUri(options.dbName);
  return {
    kind: 'mongod',
    uri,
    describe: `mongod ${binary} as a single-node replica set`,
    restored,
    persist: async () => undefined,
    stop: async () => {
      await replSet.stop({ doCleanup: !options.dataDir, force: false });
    },
  };
}
