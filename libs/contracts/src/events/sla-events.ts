import { IsIn, IsISO8601, IsNotEmpty, IsNumber, IsOptional, IsString, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { AlarmRef } from './alarm-events';

export const SlaPolicyTypes = ['availability', 'resolution'] as const;
export type SlaPolicyType = (typeof SlaPolicyTypes)[number];

/** The verdict behind every SLA event: which policy, about what, and why now. */
export class SlaVerdictData {
  @IsString() @IsNotEmpty() policy: string;
  @IsIn(SlaPolicyTypes) policyType: SlaPolicyType;
  @IsString() @IsNotEmpty() serviceId: string;
  /** Present for resolution SLAs and for availability verdicts caused by one alarm. */
  @IsOptional() @ValidateNested() @Type(() => AlarmRef) alarm?: AlarmRef;
  @IsString() @IsNotEmpty() reason: string;
  /** Resolution SLAs: the deadline on the calendar. */
  @IsOptional() @IsISO8601({ strict: true }) deadline?: string;
  /** Availability SLAs: fraction of the error budget consumed. */
  @IsOptional() @IsNumber() budgetConsumed?: number;
  /** The instant the verdict became true (a timer's due time, a clear's source time). */
  @IsISO8601({ strict: true }) effectiveAt: string;
}

export class SlaAtRiskData extends SlaVerdictData {}
export class SlaBreachedData extends SlaVerdictData {}
export class SlaMetData extends SlaVerdictData {}
