import { Type } from 'class-transformer';
import { IsInt, Max, Min, ValidateBy } from 'class-validator';
import { parseDuration } from '@vigil/contracts';
import { ConfigError, loadConfig } from '@vigil/observability';

const HOUR_MS = 3_600_000;
const LONGEST_MS = 3_650 * 86_400_000;

/** A duration as users write them (`90m`, `24h`, `7d`), from `minMs` to ten years. */
function IsWindow(minMs: number, least: string): PropertyDecorator {
  return ValidateBy({
    name: 'isWindow',
    validator: {
      validate: (value: unknown) => {
        const ms = typeof value === 'string' ? parseDuration(value) : undefined;
        return ms !== undefined && ms >= minMs && ms <= LONGEST_MS;
      },
      defaultMessage: (args) => `${args?.property} must be a duration such as 90m, 24h or 7d, from ${least} to 3650d`,
    },
  });
}

/** How long each kind of row is kept (RUNBOOK, Retention; ADR 0028), in milliseconds. */
export interface RetentionWindows {
  /** Processed-event ledgers (and ingestion's idempotency keys of Kafka offsets): rows also wait for a checkpoint. */
  ledgerMs: number;
  /** Idempotency keys sent by HTTP clients: how long a retry with the same key answers the stored response. */
  idempotencyKeysMs: number;
  /** Durable timers fired or cancelled; pending ones are never deleted. */
  timersMs: number;
  /** The notifier's delivered notifications (those an open escalation still needs stay). */
  deliveriesMs: number;
  /** Reporting's restated spans: cached answers held longer are computed again. */
  restatedSpansMs: number;
}

/**
 * The retention job's settings (the platform reads every one, whichever tables the service has):
 * each variable is named in the error when it is wrong, and the service does not start.
 */
export class RetentionConfig {
  /** How often each replica runs the job (one replica at a time prunes a schema); the first run comes a minute after start. */
  @Type(() => Number) @IsInt() @Min(10_000) @Max(86_400_000) RETENTION_INTERVAL_MS = HOUR_MS;
  /** Rows one statement deletes, in its own transaction. */
  @Type(() => Number) @IsInt() @Min(1) @Max(100_000) RETENTION_BATCH_SIZE = 1_000;
  @IsWindow(HOUR_MS, '1h') RETENTION_LEDGER_WINDOW = '7d';
  @IsWindow(HOUR_MS, '1h') RETENTION_IDEMPOTENCY_KEYS_WINDOW = '24h';
  @IsWindow(HOUR_MS, '1h') RETENTION_TIMERS_WINDOW = '7d';
  @IsWindow(HOUR_MS, '1h') RETENTION_DELIVERIES_WINDOW = '30d';
  @IsWindow(HOUR_MS, '1h') RETENTION_RESTATED_SPANS_WINDOW = '30d';

  windows(): RetentionWindows {
    const ms = (text: string) => parseDuration(text)!;
    return {
      ledgerMs: ms(this.RETENTION_LEDGER_WINDOW),
      idempotencyKeysMs: ms(this.RETENTION_IDEMPOTENCY_KEYS_WINDOW),
      timersMs: ms(this.RETENTION_TIMERS_WINDOW),
      deliveriesMs: ms(this.RETENTION_DELIVERIES_WINDOW),
      restatedSpansMs: ms(this.RETENTION_RESTATED_SPANS_WINDOW),
    };
  }
}

export const RETENTION_CONFIG = Symbol('RETENTION_CONFIG');

export function loadRetentionConfig(env: NodeJS.ProcessEnv = process.env): RetentionConfig {
  const config = loadConfig(RetentionConfig, env);
  const windows = config.windows();
  // The delivery log keeps a page from going out twice for as long as the ledger keeps the escalation event's id.
  if (windows.deliveriesMs < windows.ledgerMs) {
    throw new ConfigError([
      `RETENTION_DELIVERIES_WINDOW: must be at least RETENTION_LEDGER_WINDOW (${config.RETENTION_LEDGER_WINDOW}) (got ${JSON.stringify(config.RETENTION_DELIVERIES_WINDOW)})`,
    ]);
  }
  return config;
}
