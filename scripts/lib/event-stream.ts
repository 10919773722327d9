/**
 * A console's live stream (`GET /api/v1/conversations/stream`, server-sent events) read with fetch:
 * each `event:`/`data:` block is handed to `onEvent` as it arrives, its data parsed as JSON. Used by
 * the desk's tests and the inbox benchmark. Resolves once the stream answered; `close()` ends it.
 */
export async function openEventStream(url: string, token: string, onEvent: (event: string, data: unknown) => void): Promise<{ status: number; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(`${url}/api/v1/conversations/stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  if (res.ok && res.body) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let i: number;
          while ((i = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) onEvent(event, JSON.parse(data));
          }
        }
      } catch {
        /* closed */
      }
    })();
  }
  return { status: res.status, close: () => controller.abort() };
}
