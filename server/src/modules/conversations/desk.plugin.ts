import type { RuntimePlugin } from '../../runtime.js';

/**
 * The desk's part in a process's life: closes its Redis subscriber (console streams, the bot's
 * outbound wake-ups) when the process stops. List it before the bot, so the bot stops first.
 */
export function deskRuntimePlugin(): RuntimePlugin {
  return {
    name: 'desk',
    async start(s) {
      return async () => s.desk.live.close();
    },
  };
}
