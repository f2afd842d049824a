import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** Ingestion's own settings; each variable is named in the error when it is wrong. */
export class IngestionConfig {
  /** Alarm changes a tenant may send per second, summed over all formats (per replica). */
  @Type(() => Number) @IsInt() @Min(1) @Max(10_000_000) INGESTION_TENANT_RATE_PER_S = 10_000;
  /** How far above the rate a tenant may burst for one second. */
  @Type(() => Number) @IsInt() @Min(0) @Max(10_000_000) INGESTION_TENANT_BURST = 10_000;
}

export const INGESTION_CONFIG = Symbol('INGESTION_CONFIG');
