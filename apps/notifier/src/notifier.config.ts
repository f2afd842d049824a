import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsUrl, Max, Min } from 'class-validator';
import { ConfigError, loadConfig } from '@vigil/observability';

/**
 * The notifier's own settings. Property names are the environment variables, so a bad
 * value stops the process with a message naming the variable.
 */
export class NotifierConfig {
  /** Retries after the first attempt, on transient failures only. */
  @Type(() => Number) @IsInt() @Min(0) @Max(10) NOTIFIER_RETRY_ATTEMPTS = 3;
  /** First backoff (exponential with decorrelated jitter after it). */
  @Type(() => Number) @IsInt() @Min(1) @Max(60_000) NOTIFIER_RETRY_INITIAL_MS = 1_000;
  @Type(() => Number) @IsInt() @Min(1) @Max(300_000) NOTIFIER_RETRY_MAX_MS = 8_000;
  /** Per attempt; the request is aborted when it runs out. */
  @Type(() => Number) @IsInt() @Min(100) @Max(60_000) NOTIFIER_TIMEOUT_MS = 5_000;
  /**
   * The longest `Retry-After` honoured while the delivery holds its timer; a receiver
   * asking for longer gets the delivery failed (and dead-lettered) instead.
   */
  @Type(() => Number) @IsInt() @Min(0) @Max(600_000) NOTIFIER_RETRY_AFTER_MAX_MS = 60_000;
  /** Concurrent calls per channel, and how many may wait for a slot. */
  @Type(() => Number) @IsInt() @Min(1) @Max(1_000) NOTIFIER_BULKHEAD_LIMIT = 10;
  @Type(() => Number) @IsInt() @Min(0) @Max(10_000) NOTIFIER_BULKHEAD_QUEUE = 100;
  /** Where people reach the escalation service: the base of acknowledge links. */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'ESCALATION_PUBLIC_URL must be an http(s) URL' })
  ESCALATION_PUBLIC_URL = 'http://127.0.0.1:4003';
}

export const NOTIFIER_CONFIG = Symbol('NOTIFIER_CONFIG');

export function loadNotifierConfig(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const config = loadConfig(NotifierConfig, env);
  if (config.NOTIFIER_RETRY_MAX_MS < config.NOTIFIER_RETRY_INITIAL_MS) {
    throw new ConfigError([
      `NOTIFIER_RETRY_MAX_MS: must be at least NOTIFIER_RETRY_INITIAL_MS (${config.NOTIFIER_RETRY_INITIAL_MS}) (got ${config.NOTIFIER_RETRY_MAX_MS})`,
    ]);
  }
  return config;
}
