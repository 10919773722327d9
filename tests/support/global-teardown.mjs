export default async function globalTeardown() {
  await globalThis.__mongo?.stop();
  await globalThis.__redis?.stop();
}
