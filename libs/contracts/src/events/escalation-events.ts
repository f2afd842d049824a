import { IsArray, IsIn, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { AlarmRef } from './alarm-events';

export const EscalationTriggers = ['alarm-raised', 'sla-at-risk', 'sla-breached'] as const;
export type EscalationTrigger = (typeof EscalationTriggers)[number];

export class EscalationReason {
  @IsIn(EscalationTriggers) trigger: EscalationTrigger;
  /** Id of the event that opened or raised the escalation. */
  @IsUUID() eventId: string;
  @IsOptional() @IsString() policy?: string;
  @IsOptional() @IsString() detail?: string;
}

/**
 * Version 2: a page is about an escalation of a service, which may group several alarms
 * or — opened by an SLA verdict — none (version 1 named exactly one `alarm`:
 * escalation-events.v1.ts).
 */
export class EscalationTriggeredData {
  @IsUUID() escalationId: string;
  @IsString() @IsNotEmpty() policy: string;
  @IsInt() @Min(0) level: number;
  @IsInt() @Min(0) round: number;
  @IsArray() @IsString({ each: true }) targets: string[];
  /** The service the escalation is about; every alarm of it is of this service. */
  @IsString() @IsNotEmpty() @MaxLength(256) serviceId: string;
  /** The escalation's alarms, the one that opened it first. */
  @IsArray() @ValidateNested({ each: true }) @Type(() => AlarmRef) alarms: AlarmRef[];
  @ValidateNested() @Type(() => EscalationReason) reason: EscalationReason;
}

/**
 * The alarm a page is about: the first of its escalation's alarms, the one that opened it.
 * Every page this build publishes lists its alarm; a page that lists none (an SLA verdict
 * that no single alarm caused) is for the consumers that come with such escalations to
 * render, and this build refuses to guess one.
 */
export function pagedAlarm(data: Pick<EscalationTriggeredData, 'escalationId' | 'alarms'>): AlarmRef {
  const [first] = data.alarms;
  if (!first) throw new Error(`the page of escalation ${data.escalationId} lists no alarm: this build pages about one alarm`);
  return first;
}

export class EscalationAcknowledgedData {
  @IsUUID() escalationId: string;
  @ValidateNested() @Type(() => AlarmRef) alarm: AlarmRef;
  @IsString() @IsNotEmpty() acknowledgedBy: string;
  @IsISO8601({ strict: true }) acknowledgedAt: string;
}

export class EscalationResolvedData {
  @IsUUID() escalationId: string;
  @ValidateNested() @Type(() => AlarmRef) alarm: AlarmRef;
  @IsISO8601({ strict: true }) resolvedAt: string;
}
