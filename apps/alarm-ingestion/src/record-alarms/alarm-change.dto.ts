import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateNested,
} from 'class-validator';
import { Resolutions, Severities, type Resolution, type Severity } from '@vigil/contracts';

export const MaxBatchSize = 1_000;

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
