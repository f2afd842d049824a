import { Type } from 'class-transformer';
import { IsBoolean, IsISO8601, IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';

export const DefaultRedriveLimit = 100;
export const MaxRedriveLimit = 1_000;

/** Which failed deliveries of the caller's tenant to send again; every filter is optional. */
export class RedriveDeliveriesRequest {
  @IsOptional() @IsString() @Matches(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { message: 'channel must be a channel name' }) channel?: string;
  @IsOptional() @IsUUID() escalationId?: string;
  /** Only deliveries that failed at or after this moment. */
  @IsOptional() @IsISO8601({ strict: true }) failedSince?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MaxRedriveLimit) limit?: number;
  /** List what would be sent again, change nothing. */
  @IsOptional() @IsBoolean() dryRun?: boolean;
}

/** One delivery sent again (or, on a dry run, that would be). */
export interface RedrivenDelivery {
  escalationEventId: string;
  escalationId: string;
  eventType: string;
  channel: string;
  failedAt: string;
  lastError: string | null;
}

export interface RedriveDeliveriesResponse {
  dryRun: boolean;
  count: number;
  deliveries: RedrivenDelivery[];
}
