import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateNested,
} from 'class-validator';
import { Resolutions, Severities, type Resolution, type Severity } from '@vigil/contracts';
import type { FieldProblem } from '@vigil/platform-nest';
import type { AlarmChange } from './decide-alarm-change';

export const MaxBatchSize = 1_000;

/** Source clocks run a little ahead; more than this is a wrong timestamp, not skew. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** One alarm change as a monitor posts it (DESIGN.md, Ingestion). */
export class AlarmChangeDto {
  @IsString() @IsNotEmpty() @MaxLength(512) alarmId: string;
  @IsString() @IsNotEmpty() @MaxLength(256) serviceId: string;
  @IsIn(Severities) severity: Severity;
  @IsIn(['raised', 'cleared']) status: 'raised' | 'cleared';
  @IsString() @MaxLength(1024) summary: string;
  @IsOptional() @IsString() @MaxLength(256) source?: string;
  @IsOptional() @IsObject() labels?: Record<string, string>;
  @IsISO8601({ strict: true }) occurredAt: string;
  @IsOptional() @IsIn(Resolutions) resolution?: Resolution;
}

export class AlarmBatchDto {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MaxBatchSize) @ValidateNested({ each: true }) @Type(() => AlarmChangeDto)
  alarms: AlarmChangeDto[];
}

export type AlarmResult = 'recorded' | 'duplicate' | 'ignored';

/**
 * The rules an alarm change must keep that its decorators cannot say. `field` prefixes the
 * field names (`alarms.3.` in a batch), so a problem names the place it was found.
 */
export function alarmChangeProblems(dto: AlarmChangeDto, now: number, field = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (Date.parse(dto.occurredAt) > now + FUTURE_TOLERANCE_MS) problems.push({ field: `${field}occurredAt`, rule: 'notInFuture', message: 'must not be in the future' });
  if (dto.labels && Object.values(dto.labels).some((v) => typeof v !== 'string')) {
    problems.push({ field: `${field}labels`, rule: 'stringValues', message: 'label values must be strings' });
  }
  if (dto.resolution && dto.status !== 'cleared') problems.push({ field: `${field}resolution`, rule: 'onlyOnClear', message: 'is only allowed when status is cleared' });
  return problems;
}

/** A checked DTO as the handler takes it; `source` defaults to the way it came in. */
export function toAlarmChange(dto: AlarmChangeDto, defaultSource: string): AlarmChange {
  return {
    alarmKey: dto.alarmId,
    serviceId: dto.serviceId,
    severity: dto.severity,
    status: dto.status,
    summary: dto.summary,
    source: dto.source ?? defaultSource,
    labels: dto.labels ?? {},
    occurredAt: new Date(dto.occurredAt).toISOString(),
    ...(dto.resolution ? { resolution: dto.resolution } : {}),
  };
}
