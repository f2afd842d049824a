import { availableParallelism } from 'node:os';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** Settings every service reads; each variable is named in the error when it is wrong. */
export class BaseConfig {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(65535) PORT?: number;
  @IsString() HOST = '0.0.0.0';
  @Matches(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, { message: 'KAFKA_BROKERS must be a comma-separated list of host:port' })
  KAFKA_BROKERS: string;
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string;
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  @Type(() => Number) @IsInt() @Min(1) @Max(1000) KAFKA_TOPIC_PARTITIONS = 12;
  @Type(() => Number) @IsInt() @Min(1) @Max(5) KAFKA_REPLICATION_FACTOR = 1;
  @Type(() => Number) @IsInt() @Min(1) @Max(200) DATABASE_POOL_SIZE = 10;
  @Type(() => Number) @IsInt() @Min(50) @Max(60_000) TIMER_POLL_MS = 500;
  /**
   * Timers fired side by side, each in its own transaction (`FOR UPDATE SKIP LOCKED` keeps them
   * apart, as it does replicas): a burst of slow timers (availability evaluations) holds up the
   * quick ones due after it no longer than one lane's worth. Each lane holds a pooled connection.
   */
  @Type(() => Number) @IsInt() @Min(1) @Max(32) TIMER_CONCURRENCY = 4;
  /**
   * Partitions each consumer handles side by side. Each waits on PostgreSQL most of the time,
   * but where the database shares the machine's cores, more side by side than cores only makes
   * every event slower (ADR 0025). Default: the cores Node may use, at most 3.
   */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(64) CONSUMER_CONCURRENCY?: number;
  /** How long an open breaker refuses calls before it lets one through (DESIGN.md: 60 s); a breaker may set its own. */
  @Type(() => Number) @IsInt() @Min(100) @Max(3_600_000) RESILIENCE_BREAKER_HALF_OPEN_MS = 60_000;
  /**
   * After SIGTERM, how long to keep serving (readiness 503, `Connection: close`) before the
   * listener closes: time for load balancers to stop sending. 0 where an orchestrator's
   * pre-stop hook already waits (k8s/ does), or where nothing balances in front.
   */
  @Type(() => Number) @IsInt() @Min(0) @Max(25_000) SHUTDOWN_DRAIN_MS = 0;
  @IsOptional() @IsString() VIGIL_HOME?: string;
  /** The base URL people reach this service on (acknowledge links in notifications). */
  @IsOptional() @IsString() PUBLIC_URL?: string;

  brokers(): string[] {
    return this.KAFKA_BROKERS.split(',');
  }

  consumerConcurrency(): number {
    return this.CONSUMER_CONCURRENCY ?? Math.min(3, availableParallelism());
  }
}

export const BASE_CONFIG = Symbol('BASE_CONFIG');
