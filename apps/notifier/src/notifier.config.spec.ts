import { ConfigError } from '@vigil/observability';
import { loadNotifierConfig } from './notifier.config';

describe('loadNotifierConfig', () => {
  it('defaults to 3 retries from 1 s, a 5 s timeout and the local escalation service', () => {
    expect(loadNotifierConfig({})).toMatchObject({
      NOTIFIER_RETRY_ATTEMPTS: 3, NOTIFIER_RETRY_INITIAL_MS: 1_000, NOTIFIER_TIMEOUT_MS: 5_000, ESCALATION_PUBLIC_URL: 'http://127.0.0.1:4003',
    });
  });

  it('reads the retry settings tests shorten', () => {
    expect(loadNotifierConfig({ NOTIFIER_RETRY_INITIAL_MS: '20', NOTIFIER_RETRY_ATTEMPTS: '5', NOTIFIER_RETRY_MAX_MS: '100' })).toMatchObject({
      NOTIFIER_RETRY_INITIAL_MS: 20, NOTIFIER_RETRY_ATTEMPTS: 5, NOTIFIER_RETRY_MAX_MS: 100,
    });
  });

  it.each([
    ['NOTIFIER_RETRY_ATTEMPTS', 'three'],
    ['NOTIFIER_RETRY_ATTEMPTS', '-1'],
    ['NOTIFIER_RETRY_INITIAL_MS', '0'],
    ['NOTIFIER_TIMEOUT_MS', '5s'],
    ['ESCALATION_PUBLIC_URL', 'escalation:4003'],
  ])('stops with a message naming %s when it is %p', (variable, value) => {
    expect(() => loadNotifierConfig({ [variable]: value })).toThrow(new RegExp(`^invalid configuration:[\\s\\S]*${variable}`));
  });

  it('refuses a maximum backoff below the first one', () => {
    expect(() => loadNotifierConfig({ NOTIFIER_RETRY_INITIAL_MS: '500', NOTIFIER_RETRY_MAX_MS: '100' })).toThrow(ConfigError);
  });

  it('refuses a per-channel limit that lets one channel take every delivery worker', () => {
    expect(() => loadNotifierConfig({ NOTIFIER_DELIVERY_WORKERS: '4', NOTIFIER_BULKHEAD_LIMIT: '4' })).toThrow(/NOTIFIER_BULKHEAD_LIMIT: must be below NOTIFIER_DELIVERY_WORKERS \(4\)/);
    expect(loadNotifierConfig({ NOTIFIER_DELIVERY_WORKERS: '1', NOTIFIER_BULKHEAD_LIMIT: '1' })).toMatchObject({ NOTIFIER_DELIVERY_WORKERS: 1 });
  });

  it('refuses more delivery workers than the database pool can hold beside the consumer, the relay and HTTP', () => {
    expect(() => loadNotifierConfig({ NOTIFIER_DELIVERY_WORKERS: '8' })).toThrow(/NOTIFIER_DELIVERY_WORKERS: must leave 3 of DATABASE_POOL_SIZE \(10\)/);
    expect(loadNotifierConfig({ NOTIFIER_DELIVERY_WORKERS: '8', DATABASE_POOL_SIZE: '20' })).toMatchObject({ NOTIFIER_DELIVERY_WORKERS: 8 });
  });

  it('leaves the half-open delay to the platform unless set', () => {
    expect(loadNotifierConfig({}).NOTIFIER_BREAKER_HALF_OPEN_MS).toBeUndefined();
    expect(loadNotifierConfig({ NOTIFIER_BREAKER_HALF_OPEN_MS: '1500' }).NOTIFIER_BREAKER_HALF_OPEN_MS).toBe(1_500);
  });
});
