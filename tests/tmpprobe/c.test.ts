test('probe', async () => {
  for (const m of ['mongoose', 'ioredis', 'koa', 'agenda', 'zod', 'jose', 'pino', '../../server/src/config/env.js', '../../server/src/shared/deps.js', '../../server/src/services.js', '../../server/src/app.js', '../../server/src/runtime.js', '../support/harness.js', 'wechaty', '../../bot/src/main.js']) {
    const t0 = performance.now();
    await import(m);
    console.log(m, Math.round(performance.now() - t0));
  }
});
