import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { EscalationStatuses, type EscalationStatus } from '../domain/escalation.decider';

export const DefaultListLimit = 100;
export const MaxListLimit = 500;

export class ListEscalationsQuery {
  @IsOptional() @IsIn(EscalationStatuses) state?: EscalationStatus;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MaxListLimit) limit?: number;
}
