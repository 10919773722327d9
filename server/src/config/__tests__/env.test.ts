import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { envSchema, loadConfig, redactConfig } from '../env.js';

const example = readFileSync(fileURLToPath(new URL('../../../../.env.example', import.meta.url)), 'utf8');
const exampleKeys = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
const schemaKeys = Object.keys((envSchema as any).in?.shape ?? (envSchema as any).shape ?? (envSchema as any)._def.schema.shape);
const base = { MONGODB_URI: 'mongodb://db/scrm', REDIS_URL: 'redis://cache:6379' };

test('.env.example documents every setting the server reads, and nothing it does not', () => {
  expect(schemaKeys.length).toBeGreaterThan(20);
  expect([...exampleKeys].sort()).toEqual([...schemaKeys].sort());
});

test('a missing datastore or a short secret stops the boot with a message naming the setting', () => {
  expect(() => loadConfig({ REDIS_URL: 'redis://x' })).toThrow(/MONGODB_URI/);
  expect(() => loadConfig({ ...base, APP_SECRET: 'short' })).toThrow(/APP_SECRET must be at least 32 characters/);
  expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/set APP_SECRET in production/);
  expect(() => loadConfig({ ...base, NODE_ENV: 'production', APP_SECRET: 'x'.repeat(40), DEMO_MODE: 'true' })).toThrow(/DEMO_MODE must be off/);
});

test('logged configuration hides secrets and the credentials inside URIs', () => {
  const config = loadConfig({ ...base, MONGODB_URI: 'mongodb://scrm:hunter2@db/scrm', WECOM_SECRET: 'corp-secret-value', APP_SECRET: 'y'.repeat(40) });
  const logged = JSON.stringify(redactConfig(config));
  expect(logged).not.toMatch(/hunter2|corp-secret-value|yyyy/);
  expect(logged).toContain('mongodb://***@db/scrm');
});
