/**
 * One HTTP call to a Tencent server API (WeCom's qyapi, WeChat's api.weixin): query parameters and the
 * access token in the URL, JSON in and out, a timeout. A network failure or a non-2xx status becomes
 * the caller's "unreachable" error; the `errcode` in the body (token refresh, limits, typed errors) is
 * the caller's to judge, because WeCom and WeChat give the same numbers different remedies.
 */
export type TencentQuery = Record<string, string | number | undefined>;

export async function fetchTencentJson<R>(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  opts: { query?: TencentQuery; body?: unknown; token?: string; timeoutMs?: number },
  unreachable: (err: unknown) => Error,
): Promise<R> {
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  if (opts.token) url.searchParams.set('access_token', opts.token);
  try {
    const res = await fetch(url, {
      method,
      headers: method === 'POST' ? { 'content-type': 'application/json' } : undefined,
      body: method === 'POST' ? JSON.stringify(opts.body ?? {}) : undefined,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return (await res.json()) as R;
  } catch (err) {
    throw unreachable(err);
  }
}
