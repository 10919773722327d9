import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { demoSignIn, envSchema, loadConfig, redactConfig } from '../env.js';

const example = readFileSync(fileURLToPath(new URL('../../../../.env.example', import.meta.url)), 'utf8');
const exampleKeys = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
const schemaKeys = Object.keys((envSchema as any).in?.shape ?? (envSchema as any).shape ?? (envSchema as any)._def.schema.shape);
const base = { MONGODB_URI: 'mongodb://db/scrm', REDIS_URL: 'redis://cache:6379' };
const strong = 'Zq3vN8pLr2XwT6yHs1KdB9mFc4GjA7eU0oQi5';

test('.env.example documents every setting the server reads, and nothing it does not', () => {
  expect(schemaKeys.length).toBeGreaterThan(20);
  expect([...exampleKeys].sort()).toEqual([...schemaKeys].sort());
});

test('a missing datastore or a short secret stops the boot with a message naming the setting', () => {
  expect(() => loadConfig({ REDIS_URL: 'redis://x' })).toThrow(/MONGODB_URI/);
  expect(() => loadConfig({ ...base, APP_SECRET: 'short' })).toThrow(/APP_SECRET must be at least 32 characters/);
  expect(() => loadConfig({ ...base, NODE_ENV: 'production', APP_SECRET: strong, DEMO_MODE: 'true' })).toThrow(/DEMO_MODE must be off/);
});

test('there is no default secret: without APP_SECRET the server does not boot, whatever NODE_ENV or DEMO_MODE say', () => {
  for (const mode of [{}, { NODE_ENV: 'development' }, { NODE_ENV: 'test' }, { NODE_ENV: 'production' }, { DEMO_MODE: 'true' }]) {
    expect(() => loadConfig({ ...base, ...mode })).toThrow(/APP_SECRET/);
  }
  expect(loadConfig({ ...base, APP_SECRET: strong }).APP_SECRET).toBe(strong);
});

test('a published, placeholder or low-entropy secret is refused, also among the previous secrets', () => {
  expect(() => loadConfig({ ...base, DEMO_MODE: 'true', APP_SECRET: 'dev-only-secret-change-me-0123456789abcdef' })).toThrow(
    /APP_SECRET is a published or placeholder value/,
  );
  expect(() => loadConfig({ ...base, APP_SECRET: 'x'.repeat(40) })).toThrow(/APP_SECRET has fewer than 12 distinct characters/);
  expect(() => loadConfig({ ...base, APP_SECRET: 'abababababababababababababababab12' })).toThrow(/distinct characters/);
  expect(() => loadConfig({ ...base, APP_SECRET: strong, APP_SECRET_PREVIOUS: 'y'.repeat(40) })).toThrow(/APP_SECRET_PREVIOUS has fewer than 12 distinct/);
  expect(loadConfig({ ...base, APP_SECRET: strong, APP_SECRET_PREVIOUS: ` ${strong.split('').reverse().join('')} ,` }).APP_SECRET_PREVIOUS).toHaveLength(1);
});

test('demo sign-in is on only when DEMO_MODE is on and the server listens on loopback', () => {
  const on = (env: Record<string, string>) => demoSignIn(loadConfig({ ...base, APP_SECRET: strong, ...env }));
  expect(on({})).toEqual({ on: false, reason: 'DEMO_MODE is off' });
  expect(on({ DEMO_MODE: 'true' }).on).toBe(true);
  expect(on({ DEMO_MODE: 'true', HOST: '::1' }).on).toBe(true);
  expect(on({ DEMO_MODE: 'true', HOST: '0.0.0.0' })).toEqual({ on: false, reason: 'DEMO_MODE is on but HOST 0.0.0.0 is not loopback' });
  expect(on({ DEMO_MODE: 'true', HOST: '192.168.1.20' }).on).toBe(false);
});

test('logged configuration hides secrets and the credentials inside URIs', () => {
  const config = loadConfig({
    ...base,
    MONGODB_URI: 'mongodb://scrm:hunter2@db/scrm',
    WECOM_SECRET: 'corp-secret-value',
    APP_SECRET: strong,
    APP_SECRET_PREVIOUS: 'Mw7Rk2Ps9Vb4Xn1Lq8Tz3Hc6Jf0Gd5Ya',
  });
  const logged = JSON.stringify(redactConfig(config));
  expect(logged).not.toMatch(/hunter2|corp-secret-value|Zq3vN8|Mw7Rk2/);
  expect(logged).toContain('mongodb://***@db/scrm');
});
