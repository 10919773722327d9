import { startTestApp } from '../support/harness.js';
import { deskRuntimePlugin } from '../../server/src/modules/conversations/desk.plugin.js';
import { openStream } from './desk/mock-chat.js';

test('a server shutting down ends open console streams instead of waiting for them', async () => {
  const app = await startTestApp({ plugins: [deskRuntimePlugin()] });
  const { token } = await app.staff('agent');
  const stream = await openStream(app.url, token);
  expect(stream.status).toBe(200);
  const started = Date.now();
  await app.stop();
  // Without the stream ending itself, close() would wait DESK_SSE_MAX_SECONDS (60 by default).
  expect(Date.now() - started).toBeLessThan(3000);
  stream.close();
});
