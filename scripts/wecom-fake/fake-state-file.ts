import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { FakeWecom } from './fake-wecom.js';

/**
 * The demo's WeCom keeps what it knows across restarts, as the real one does: its corp (staff,
 * external contacts and who follows them, corp tags, contact ways, customer groups, group messages,
 * transfers) and its 微信客服 (accounts, customers, sessions, messages) are written to a file in the
 * demo's data folder and read back on the next start. Short-lived things (access tokens, OAuth and
 * welcome codes, the call log, injected faults, uploaded media) are not kept.
 */
const SKIP = new Set(['calls', 'faults', 'outbox', 'tokens', 'oauthCodes', 'welcomeCodes', 'gettokenCalls', 'tickets', 'media', 'autoConfirmGroupMsgMs']);

type Bag = Record<string, unknown>;

function dataOf(part: object): Bag {
  const out: Bag = {};
  for (const [key, value] of Object.entries(part)) {
    if (SKIP.has(key) || typeof value === 'function') continue;
    if (value instanceof Map || Array.isArray(value) || ['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
  }
  return out;
}

/** Puts saved values back into the live object, keeping its own Maps and arrays (other code holds them). */
function restoreInto(part: object, saved: Bag): void {
  for (const [key, value] of Object.entries(saved)) {
    const target: unknown = Reflect.get(part, key);
    if (target instanceof Map && value instanceof Map) {
      target.clear();
      for (const [k, v] of value) target.set(k, v);
    } else if (Array.isArray(target) && Array.isArray(value)) {
      target.splice(0, target.length, ...value);
    } else if (typeof target === typeof value) {
      Reflect.set(part, key, value);
    }
  }
}

const replacer = (_key: string, value: unknown) => (value instanceof Map ? { $map: [...value] } : value);
const reviver = (_key: string, value: unknown) =>
  value && typeof value === 'object' && '$map' in value && Array.isArray((value as { $map: unknown }).$map)
    ? new Map((value as { $map: Array<[unknown, unknown]> }).$map)
    : value;

const written = new Map<string, string>();

/** Writes the fake's state, unless it is what this process last wrote there (the 10 s timer's usual case). */
export function saveFakeState(fake: FakeWecom, file: string): void {
  const text = JSON.stringify({ version: 1, corp: dataOf(fake.corp), kf: dataOf(fake.kf.state) }, replacer);
  if (written.get(file) === text) return;
  // Written aside and renamed: a stop in the middle never leaves half a file.
  writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  written.set(file, text);
}

/** Reads a saved state into the fake; false when there is none. */
export function loadFakeState(fake: FakeWecom, file: string): boolean {
  if (!existsSync(file)) return false;
  const saved = JSON.parse(readFileSync(file, 'utf8'), reviver) as { version: number; corp: Bag; kf: Bag };
  if (saved.version !== 1) return false;
  restoreInto(fake.corp, saved.corp);
  restoreInto(fake.kf.state, saved.kf);
  return true;
}
