import type { TransportName } from './http-load';

/** What every scenario gets from `main`: where things are and how to reach the infrastructure. */
export interface BenchContext {
  /** The workspace root (dist/ and package.json live here). */
  root: string;
  /** Names this run's tenants, consumer groups and log folder. */
  runId: string;
  env: Record<string, string | undefined>;
  kafkaBrokers: string;
  /** When the broker is the local one the script started. */
  kafkaVersion?: string;
  vigilHome: string;
  /** The run's log folder (absolute) and as printed (relative to the root). */
  logDir: string;
  logDirRelative: string;
  client: TransportName;
  /** LOG_LEVEL of the services the bench starts. */
  serviceLogLevel: string;
}

export interface ScenarioResult {
  /** Printed as it is: the readable table and its legend. */
  report: string;
  /** The JSON line: `scenario` first, then the keys DESIGN.md names, then extras. */
  figures: Record<string, unknown>;
  /** False when a request failed or an event did not arrive: the figures are then suspect. */
  ok: boolean;
}
