export default async function globalTeardown() {
  await globalThis.__mongo?.stop();
  await Promise.all((globalThis.__redis ?? []).map((r) => r.stop()));
}
