import { IsIn, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
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
  /**
   * Set when this event corrects history rather than opening an outage: a late raise of
   * the active alarm whose source time is earlier than the recorded one. The id is the
   * raise it corrects; `raisedAt` is the corrected start.
   */
  @IsOptional() @IsUUID() corrects?: string;
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
  /**
   * Set when this event corrects history: a late clear of an already cleared alarm whose
   * source time is earlier than the recorded end. The id is the clear it corrects.
   */
  @IsOptional() @IsUUID() corrects?: string;
}

/** A raise of an active alarm with another severity: the outage goes on at the new severity. */
export class AlarmSeverityChangedData extends AlarmRef {
  @IsIn(Severities) previousSeverity: Severity;
  /** Source time of the change. */
  @IsISO8601({ strict: true }) changedAt: string;
  @IsISO8601({ strict: true }) raisedAt: string;
}
