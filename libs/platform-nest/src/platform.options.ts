import type { ServiceName, Topic } from '@vigil/contracts';
import type { RetentionRule } from '@vigil/persistence';
import type { MigrationInterface } from 'typeorm';
import type { RetentionWindows } from './retention/retention.config';

export interface PlatformOptions {
  service: ServiceName;
  /** The PostgreSQL schema this service owns; no other service touches it. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: Function[];
  /** The service's own migrations; the platform's tables come first. */
  migrations?: Array<new () => MigrationInterface>;
  /** Topics the service publishes to or consumes from: created at start if missing. */
  topics: Topic[];
  /** Whether the service keeps durable timers. */
  timers?: boolean;
  /**
   * The service's own tables that grow with traffic, and when their rows may go (ADR 0028), from
   * the configured windows. The platform's ledger and timers have their rules already.
   */
  retention?: (windows: RetentionWindows) => RetentionRule[];
}

export const PLATFORM_OPTIONS = Symbol('PLATFORM_OPTIONS');

/** Optional kafkajs socket factory (tests override it to cut the client off from Kafka). */
export const KAFKA_SOCKET_FACTORY = Symbol('KAFKA_SOCKET_FACTORY');
