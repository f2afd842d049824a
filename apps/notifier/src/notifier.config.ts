import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUrl, Max, Min } from 'class-validator';
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
  /**
   * Deliveries made at once by one replica. Each holds a database connection for its call
   * (the claim commits with the outcome), so they must leave room in DATABASE_POOL_SIZE.
   */
  @Type(() => Number) @IsInt() @Min(1) @Max(100) NOTIFIER_DELIVERY_WORKERS = 6;
  /** How often an idle worker looks for due deliveries (a consumed event wakes them at once). */
  @Type(() => Number) @IsInt() @Min(10) @Max(60_000) NOTIFIER_DELIVERY_POLL_MS = 500;
  /**
   * Concurrent deliveries per channel (workers claim nothing more for a channel at the
   * limit), and how many calls may wait for a slot in the channel's bulkhead.
   */
  @Type(() => Number) @IsInt() @Min(1) @Max(1_000) NOTIFIER_BULKHEAD_LIMIT = 2;
  @Type(() => Number) @IsInt() @Min(0) @Max(10_000) NOTIFIER_BULKHEAD_QUEUE = 100;
  /** Consecutive failures of one destination (5xx, network, timeout) that open its breaker. */
  @Type(() => Number) @IsInt() @Min(1) @Max(1_000) NOTIFIER_BREAKER_THRESHOLD = 5;
  /**
   * How long an open breaker refuses calls before it lets one through to test the
   * destination. Unset: the platform's default (RESILIENCE_BREAKER_HALF_OPEN_MS, else 60 s).
   */
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) @Max(3_600_000) NOTIFIER_BREAKER_HALF_OPEN_MS?: number;
  /**
   * How long a delivery may wait for its destination's open breaker to let a call through
   * (counted from when it fell due) before it fails and is dead-lettered. 0: fail at once.
   */
  @Type(() => Number) @IsInt() @Min(0) @Max(86_400_000) NOTIFIER_BREAKER_WAIT_MAX_MS = 900_000;
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
  const problems: string[] = [];
  if (config.NOTIFIER_DELIVERY_WORKERS > 1 && config.NOTIFIER_BULKHEAD_LIMIT >= config.NOTIFIER_DELIVERY_WORKERS) {
    problems.push(`NOTIFIER_BULKHEAD_LIMIT: must be below NOTIFIER_DELIVERY_WORKERS (${config.NOTIFIER_DELIVERY_WORKERS}), or one slow channel takes every worker (got ${config.NOTIFIER_BULKHEAD_LIMIT})`);
  }
  const pool = Number(env.DATABASE_POOL_SIZE ?? 10);
  if (Number.isInteger(pool) && config.NOTIFIER_DELIVERY_WORKERS > pool - 3) {
    problems.push(`NOTIFIER_DELIVERY_WORKERS: must leave 3 of DATABASE_POOL_SIZE (${pool}) connections to the consumer, the relay and HTTP, so at most ${pool - 3} (got ${config.NOTIFIER_DELIVERY_WORKERS})`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
