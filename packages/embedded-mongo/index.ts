/**
 * The embedded MongoDB: a test double of MongoDB for the tests, the demo (`npm start`) and offline
 * benchmarks — never for production. What it is and what it does not do: README.md beside this file.
 * Everything outside this folder imports it from here.
 */
export { startEmbeddedMongo, type EmbeddedMongo, type EmbeddedMongoOptions } from './src/embedded-mongo.js';
export { snapshotFile, wipeDataFolder } from './src/data-folder.js';
