import type { FakeCorp } from './fake-corp.js';

/** How the local WeCom answers: errcode/errmsg JSON, and WeCom-style opaque cursors for paging. */
export type Json = Record<string, unknown>;
export type Handler = (corp: FakeCorp, req: { query: Record<string, string>; body: Json; base: string }) => Json;

export class FakeError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(errmsg);
  }
}

export const ok = (extra: Json = {}) => ({ errcode: 0, errmsg: 'ok', ...extra });
export function fail(errcode: number, errmsg: string): never {
  throw new FakeError(errcode, errmsg);
}
export function badParam(what: string): never {
  return fail(40058, `invalid Request Parameter: ${what}`);
}

const encodeCursor = (n: number) => Buffer.from(`o:${n}`).toString('base64url');
function decodeCursor(cursor: unknown): number {
  if (!cursor) return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(String(cursor), 'base64url').toString());
  return m ? Number(m[1]) : badParam('cursor');
}
export function page<T>(items: T[], cursor: unknown, limit: number) {
  const start = decodeCursor(cursor);
  const slice = items.slice(start, start + limit);
  const next = start + limit < items.length ? encodeCursor(start + limit) : '';
  return { slice, next };
}
