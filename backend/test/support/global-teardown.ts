export default async function globalTeardown(): Promise<void> {
  await globalThis.ragchatTestPostgres?.stop();
  globalThis.ragchatTestPostgres = undefined;
}
