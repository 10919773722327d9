/**
 * The one way the pages talk to the server: JSON over fetch with the session's bearer token. Errors
 * come back as ApiError carrying the server's `{ error: { code, message } }`, so pages can show the
 * server's actionable message; a 401 clears the session so the page falls back to its login.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The server's `error.details` (e.g. `{ needed }` for too few points). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export type TokenSource = () => string | null;
type UnauthorizedHandler = () => void;

export interface ApiClient {
  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  patch<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
  /** A file as the raw body with its own Content-Type (uploads). */
  upload<T>(path: string, file: Blob, type: string): Promise<T>;
  /** Bytes the server serves behind the session (attachments), for an object URL. */
  blob(path: string): Promise<Blob>;
}

/** Requests every later call waits for (a sign-out, so a sign-in right after it is not ended by it). */
const pending = new Set<Promise<unknown>>();
export function beforeNextCall(work: Promise<unknown>): void {
  const done: Promise<unknown> = work.catch(() => undefined).finally(() => pending.delete(done));
  pending.add(done);
}

export function createApi(token: TokenSource, onUnauthorized?: UnauthorizedHandler): ApiClient {
  async function call<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}, want: 'json' | 'blob' = 'json'): Promise<T> {
    if (pending.size) await Promise.all(pending);
    // The server words validation refusals in the language the page is showing (set by use-i18n).
    const headers: Record<string, string> = {
      accept: 'application/json',
      'accept-language': document.documentElement.lang === 'en' ? 'en' : 'zh-CN',
      ...extra,
    };
    const t = token();
    if (t) headers.authorization = `Bearer ${t}`;
    const raw = body instanceof Blob;
    if (body !== undefined && !raw) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : raw ? body : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, 'NETWORK', 'network');
    }
    if (res.ok && want === 'blob') return (await res.blob()) as T;
    const text = await res.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!res.ok) {
      if (res.status === 401) onUnauthorized?.();
      const refusal = (data as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error;
      throw new ApiError(res.status, refusal?.code ?? 'HTTP', refusal?.message ?? `HTTP ${res.status}`, refusal?.details);
    }
    return data as T;
  }
  return {
    get: (path, query) => {
      const qs = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== '') as [string, string][]).toString() : '';
      return call('GET', qs ? `${path}?${qs}` : path);
    },
    post: (path, body, headers) => call('POST', path, body ?? {}, headers),
    patch: (path, body) => call('PATCH', path, body ?? {}),
    put: (path, body) => call('PUT', path, body ?? {}),
    del: (path) => call('DELETE', path),
    upload: (path, file, type) => call('POST', path, file, { 'content-type': type }),
    blob: (path) => call<Blob>('GET', path, undefined, { accept: '*/*' }, 'blob'),
  };
}
