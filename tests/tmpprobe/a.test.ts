import { startTestApp } from '../support/harness.js';
test('probe', async () => {
  const t0 = performance.now();
  const app = await startTestApp();
  const t1 = performance.now();
  await app.stop();
  console.log('start', Math.round(t1 - t0), 'stop', Math.round(performance.now() - t1));
});
