import { IsArray, IsBoolean, IsIn, IsISO8601, IsNotEmpty, IsNumber, IsOptional, IsString, IsUUID, ValidateIf, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { AlarmRef } from './alarm-events';

export const SlaPolicyTypes = ['availability', 'resolution'] as const;
export type SlaPolicyType = (typeof SlaPolicyTypes)[number];

export const SlaWindowKinds = ['calendar-month', 'calendar-day', 'rolling-30d'] as const;
export type SlaWindowKind = (typeof SlaWindowKinds)[number];

/** The period an availability verdict is about. */
export class SlaWindowData {
  @IsIn(SlaWindowKinds) kind: SlaWindowKind;
  /** `2026-11` for a month and `2026-11-03` for a day in the tenant's zone; `rolling-30d`. */
  @IsString() @IsNotEmpty() key: string;
  @IsISO8601({ strict: true }) start: string;
  @IsISO8601({ strict: true }) end: string;
}

/** One multi-window burn-rate rule as read when the verdict was decided. */
export class BurnRateData {
  /** e.g. `14.4x-1h-5m`. */
  @IsString() @IsNotEmpty() rule: string;
  @IsNumber() factor: number;
  /** Durations as written in policies: `1h`, `5m`. */
  @IsString() longWindow: string;
  @IsString() shortWindow: string;
  @IsNumber() longRate: number;
  @IsNumber() shortRate: number;
  @IsBoolean() firing: boolean;
}

/** An availability SLA's figures to date: the window's compliance and its error budget, in minutes. */
export class AvailabilityFiguresData {
  @IsNumber() objectivePercentage: number;
  /**
   * Unrounded: over the elapsed part of the window (the SLI to date), or, where the policy asks
   * for `periodInProgress: projection`, the downtime so far over the whole window.
   */
  @IsNumber() compliancePercentage: number;
  /** Which of the two `compliancePercentage` is; absent in verdicts published before it was added (to date). */
  @IsOptional() @IsIn(['to-date', 'projection']) periodInProgress?: 'to-date' | 'projection';
  /** Elapsed minutes of the window that count (excluded maintenance left out). */
  @IsNumber() measuredMinutes: number;
  @IsNumber() downtimeMinutes: number;
  /** (1 − objective) × the whole window. */
  @IsNumber() errorBudgetMinutes: number;
  @IsNumber() errorBudgetUsedMinutes: number;
  @IsNumber() errorBudgetLeftMinutes: number;
  @IsArray() @ValidateNested({ each: true }) @Type(() => BurnRateData) burnRates: BurnRateData[];
}

/** An alarm behind an availability verdict: its outage and how much of the window's downtime it accounts for. */
export class SlaAlarmData extends AlarmRef {
  @IsISO8601({ strict: true }) startedAt: string;
  /** `null` while the alarm is still active. */
  @ValidateIf((_, value) => value !== null) @IsISO8601({ strict: true }) endedAt: string | null;
  /** Its counted minutes within the window (overlaps with other alarms counted for each). */
  @IsNumber() downtimeMinutes: number;
}

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
  /** Availability SLAs: fraction of the error budget consumed (left out when infinite: downtime against a 100 % objective). */
  @IsOptional() @IsNumber() budgetConsumed?: number;
  /** The instant the verdict became true (a timer's due time, a clear's source time). */
  @IsISO8601({ strict: true }) effectiveAt: string;
  /** Availability SLAs: the window judged. */
  @IsOptional() @ValidateNested() @Type(() => SlaWindowData) window?: SlaWindowData;
  /** Availability SLAs: the figures behind the verdict. */
  @IsOptional() @ValidateNested() @Type(() => AvailabilityFiguresData) availability?: AvailabilityFiguresData;
  /** Availability `sla-at-risk`: the fraction of the budget whose consumption was crossed. */
  @IsOptional() @IsNumber() atRiskFraction?: number;
  /** Availability `sla-at-risk`: the burn-rate rule that fired. */
  @IsOptional() @IsString() burnRateRule?: string;
  /** Availability SLAs: the alarms behind the window's downtime (at most 100, longest first). */
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => SlaAlarmData) alarms?: SlaAlarmData[];
  /**
   * Set on a correction: the id of the earlier verdict this one replaces. An `sla-met` that
   * corrects an `sla-breached` retracts that breach (corrected history never exhausted the
   * budget); an `sla-breached` that corrects one restates it (another `effectiveAt`, other figures).
   */
  @IsOptional() @IsUUID() corrects?: string;
}

export class SlaAtRiskData extends SlaVerdictData {}
export class SlaBreachedData extends SlaVerdictData {}
export class SlaMetData extends SlaVerdictData {}
