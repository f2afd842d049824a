import 'reflect-metadata';
import { ConfigError } from '@vigil/observability';
import { loadRetentionConfig } from './retention.config';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('RetentionConfig', () => {
  it('keeps the ledger a week, client idempotency keys a day, finished timers a week, deliveries and restated spans a month, and runs hourly', () => {
    const config = loadRetentionConfig({});
    expect(config.RETENTION_INTERVAL_MS).toBe(HOUR);
    expect(config.RETENTION_BATCH_SIZE).toBe(1_000);
    expect(config.windows()).toEqual({ ledgerMs: 7 * DAY, idempotencyKeysMs: DAY, timersMs: 7 * DAY, deliveriesMs: 30 * DAY, restatedSpansMs: 30 * DAY });
  });

  it('takes each window as a duration, as users write them', () => {
    const config = loadRetentionConfig({ RETENTION_LEDGER_WINDOW: '14d', RETENTION_IDEMPOTENCY_KEYS_WINDOW: '90m', RETENTION_DELIVERIES_WINDOW: '14d', RETENTION_INTERVAL_MS: '600000' });
    expect(config.windows()).toMatchObject({ ledgerMs: 14 * DAY, idempotencyKeysMs: 90 * 60_000, deliveriesMs: 14 * DAY });
    expect(config.RETENTION_INTERVAL_MS).toBe(600_000);
  });

  it.each([
    ['RETENTION_LEDGER_WINDOW', 'a week'],
    ['RETENTION_TIMERS_WINDOW', '30m'],
    ['RETENTION_RESTATED_SPANS_WINDOW', '3651d'],
    ['RETENTION_IDEMPOTENCY_KEYS_WINDOW', '86400000'],
  ])('refuses %s=%s, naming the variable and the rule', (variable, value) => {
    const load = () => loadRetentionConfig({ [variable]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(new RegExp(`${variable} must be a duration such as 90m, 24h or 7d, from 1h to 3650d`));
  });

  it('refuses an interval under ten seconds and a batch of no rows', () => {
    expect(() => loadRetentionConfig({ RETENTION_INTERVAL_MS: '1000' })).toThrow(/RETENTION_INTERVAL_MS/);
    expect(() => loadRetentionConfig({ RETENTION_BATCH_SIZE: '0' })).toThrow(/RETENTION_BATCH_SIZE/);
  });

  it('refuses to keep delivered notifications for less time than the ledger keeps the events that planned them', () => {
    expect(() => loadRetentionConfig({ RETENTION_DELIVERIES_WINDOW: '3d' })).toThrow(
      /RETENTION_DELIVERIES_WINDOW: must be at least RETENTION_LEDGER_WINDOW \(7d\)/,
    );
  });
});
