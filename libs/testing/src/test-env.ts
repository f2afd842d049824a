import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';

/** The real broker and database the tests run against (started by `npm test`). */
export function testEnv() {
  const env = {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:19092',
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vigil_test',
    VIGIL_HOME: process.env.VIGIL_HOME ?? resolve(__dirname, '../../../.vigil'),
    LOG_LEVEL: process.env.VIGIL_TEST_LOG_LEVEL ?? 'warn',
  };
  Object.assign(process.env, env);
  return env;
}

/** A tenant id no other test uses, so tests never see each other's data. */
export function uniqueTenant(prefix = 't'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Polls until `probe` returns a value (not undefined/false), or fails naming what it waited for. */
export async function eventually<T>(description: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}
