import { onBeforeUnmount } from 'vue';
import { useSession } from './use-session';

/**
 * Live desk events (server-sent events) read with fetch, because EventSource cannot send the bearer
 * token. The server ends each stream after a while; this reconnects after its `retry` delay, and
 * stops when the component unmounts.
 */
export interface DeskEvent {
  type: string;
  conversationId?: string;
  state?: string;
  assigneeId?: string;
}

export function useDeskStream(onEvent: (e: DeskEvent) => void): void {
  const session = useSession('staff');
  const controller = new AbortController();
  let retryMs = 3000;

  async function connect(): Promise<void> {
    while (!controller.signal.aborted) {
      try {
        const res = await fetch('/api/v1/conversations/stream', {
          headers: { authorization: `Bearer ${session.token.value ?? ''}` },
          signal: controller.signal,
        });
        if (res.status === 401) return session.signOut();
        if (!res.ok || !res.body) throw new Error(`stream ${res.status}`);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data += line.slice(5).trim();
              else if (line.startsWith('retry:')) retryMs = Number(line.slice(6)) || retryMs;
            }
            if (event === 'ready' || !data) continue;
            try {
              onEvent({ ...(JSON.parse(data) as DeskEvent), type: event });
            } catch {
              /* a malformed event is skipped; the next reload catches up */
            }
          }
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }

  void connect();
  onBeforeUnmount(() => controller.abort());
}
