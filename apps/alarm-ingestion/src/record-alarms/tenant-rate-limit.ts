import { Inject, Injectable } from '@nestjs/common';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { INGESTION_CONFIG, type IngestionConfig } from '../ingestion.config';
import { TenantOverRateError } from './record-alarms.errors';

/**
 * Each tenant's share of ingestion, counted in alarm changes (a batch of 500 costs 500),
 * so one noisy monitor cannot starve the others. Over the limit: `TenantOverRateError`, which
 * HTTP answers with 429 and Retry-After and the inbound consumer retries.
 * Counted per replica: with N replicas a tenant gets up to N × the rate.
 */
@Injectable()
export class TenantRateLimit {
  private readonly limiter: BurstyRateLimiter | RateLimiterMemory;

  constructor(@Inject(INGESTION_CONFIG) config: IngestionConfig) {
    const steady = new RateLimiterMemory({ keyPrefix: 'rate', points: config.INGESTION_TENANT_RATE_PER_S, duration: 1 });
    this.limiter = config.INGESTION_TENANT_BURST > 0
      ? new BurstyRateLimiter(steady, new RateLimiterMemory({ keyPrefix: 'burst', points: config.INGESTION_TENANT_BURST, duration: 1 }))
      : steady;
  }

  async take(tenantId: string, changes: number): Promise<void> {
    try {
      await this.limiter.consume(tenantId, changes);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new TenantOverRateError(tenantId, retryAfterSeconds);
    }
  }
}
