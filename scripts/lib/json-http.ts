import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The request/response plumbing the local stand-ins for WeCom and WeChat share: Tencent's APIs take
 * query parameters and a JSON body and always answer JSON, so the fakes do the same (a body that is
 * not JSON reads as `{}`, as the real servers then answer with their own errcode).
 */
export async function readJsonRequest(req: IncomingMessage): Promise<{ url: URL; query: Record<string, string>; body: Record<string, unknown> }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  let body: Record<string, unknown> = {};
  try {
    body = raw ? JSON.parse(raw) : {};
  } catch {
    body = {};
  }
  const url = new URL(req.url ?? '/', 'http://fake');
  return { url, query: Object.fromEntries(url.searchParams), body };
}

export function sendJson(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(json));
}
