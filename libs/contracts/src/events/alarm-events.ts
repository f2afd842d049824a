import { IsIn, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { Resolutions, Severities, type Resolution, type Severity } from './severity';

/** The alarm as every alarm event describes it. */
export class AlarmRef {
  @IsString() @IsNotEmpty() @MaxLength(512) alarmKey: string;
  @IsString() @IsNotEmpty() @MaxLength(256) serviceId: string;
  @IsIn(Severities) severity: Severity;
  @IsString() @MaxLength(1024) summary: string;
}

export class AlarmRaisedData extends AlarmRef {
  @IsString() @MaxLength(256) source: string;
  @IsObject() labels: Record<string, string>;
  /** Source time the alarm started (Alertmanager startsAt, native occurredAt). */
  @IsISO8601({ strict: true }) raisedAt: string;
}

export class AlarmAcknowledgedData extends AlarmRef {
  @IsISO8601({ strict: true }) acknowledgedAt: string;
  @IsOptional() @IsString() acknowledgedBy?: string;
}

export class AlarmClearedData extends AlarmRef {
  @IsIn(Resolutions) resolution: Resolution;
  @IsISO8601({ strict: true }) raisedAt: string;
  /** Source time the alarm ended. */
  @IsISO8601({ strict: true }) clearedAt: string;
}
