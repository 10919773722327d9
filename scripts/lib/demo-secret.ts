import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the demo keeps what must outlive a restart on this machine (gitignored: `.data/`). */
export const DEMO_DATA_DIR = fileURLToPath(new URL('../../.data/demo/', import.meta.url));

/**
 * The demo's APP_SECRET: generated at random on the first `npm start` and kept in
 * `.data/demo/app-secret` (mode 0600, never committed), then reused, so tokens survive a restart and
 * no published default exists. Created exclusively: two demos starting at once agree on one secret.
 */
export function demoSecret(dir = DEMO_DATA_DIR): { secret: string; file: string; created: boolean } {
  const file = path.join(dir, 'app-secret');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${randomBytes(48).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    return { secret: readFileSync(file, 'utf8').trim(), file, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  chmodSync(file, 0o600);
  return { secret: readFileSync(file, 'utf8').trim(), file, created: false };
}
