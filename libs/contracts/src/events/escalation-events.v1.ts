import { IsArray, IsInt, IsNotEmpty, IsObject, IsString, IsUUID, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { AlarmRef } from './alarm-events';
import { EscalationReason } from './escalation-events';

/**
 * `escalation-triggered` version 1, as published before escalations grouped alarms: one
 * page, one alarm. Kept because the topics keep every event: a replay still meets it
 * (docs/adr/0027-events-are-upcast-on-read.md).
 */
export class EscalationTriggeredDataV1 {
  @IsUUID() escalationId: string;
  @IsString() @IsNotEmpty() policy: string;
  @IsInt() @Min(0) level: number;
  @IsInt() @Min(0) round: number;
  @IsArray() @IsString({ each: true }) targets: string[];
  /** Required, as every producer wrote it: the step to version 2 is made of it (a nested rule alone lets it be absent). */
  @IsObject() @ValidateNested() @Type(() => AlarmRef) alarm: AlarmRef;
  @ValidateNested() @Type(() => EscalationReason) reason: EscalationReason;
}
