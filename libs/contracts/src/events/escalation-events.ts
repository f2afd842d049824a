import { IsArray, IsIn, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUUID, Min, ValidateNested } from 'class-validator';
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

export class EscalationTriggeredData {
  @IsUUID() escalationId: string;
  @IsString() @IsNotEmpty() policy: string;
  @IsInt() @Min(0) level: number;
  @IsInt() @Min(0) round: number;
  @IsArray() @IsString({ each: true }) targets: string[];
  @ValidateNested() @Type(() => AlarmRef) alarm: AlarmRef;
  @ValidateNested() @Type(() => EscalationReason) reason: EscalationReason;
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
