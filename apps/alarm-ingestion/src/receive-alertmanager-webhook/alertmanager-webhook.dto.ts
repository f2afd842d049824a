import { Type } from 'class-transformer';
import {
  ArrayMaxSize, Equals, IsArray, IsIn, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, MaxLength, Min, ValidateBy, ValidateIf, ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { MaxBatchSize } from '../record-alarms/alarm-change.dto';

/** Go's zero `time.Time` as encoding/json writes it: Alertmanager's "no end known yet". */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
export const isGoZeroTime = (value: unknown): boolean => value === GO_ZERO_TIME;

/** Alertmanager's `KV`: a JSON object whose values are all strings (labels, annotations). */
export function IsStringMap(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isStringMap',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string'),
        defaultMessage: (args) => `${args?.property} must be an object of string values`,
      },
    },
    options,
  );
}

/**
 * One alert of a webhook notification (Alertmanager's `template.Alert`). `endsAt` is
 * Go's zero time `0001-01-01T00:00:00Z` while the alert fires: Alertmanager hides an end
 * that has not been reached yet.
 */
export class AlertmanagerAlertDto {
  @IsIn(['firing', 'resolved']) status: 'firing' | 'resolved';
  @IsStringMap() labels: Record<string, string>;
  @IsOptional() @IsStringMap() annotations?: Record<string, string>;
  // Go's zero time is not a valid date to the strict check (year 1); it means "unknown" here.
  @ValidateIf((alert: AlertmanagerAlertDto) => !isGoZeroTime(alert.startsAt)) @IsISO8601({ strict: true }) startsAt: string;
  @IsOptional() @ValidateIf((alert: AlertmanagerAlertDto) => !isGoZeroTime(alert.endsAt)) @IsISO8601({ strict: true }) endsAt?: string;
  @IsOptional() @IsString() generatorURL?: string;
  /** Alertmanager's hash of the alert's labels: the alarm key. */
  @IsString() @IsNotEmpty() @MaxLength(512) fingerprint: string;
}

/**
 * The body of Alertmanager's `webhook_config` notification, payload version 4
 * (notify/webhook `Message` = `template.Data` + version, groupKey, truncatedAlerts).
 * Fields Vigil does not know are ignored, so Grafana's superset of it works too.
 */
export class AlertmanagerWebhookDto {
  @Equals('4', { message: 'version must be "4" (Alertmanager webhook payload version 4)' }) version: '4';
  @IsOptional() @IsString() groupKey?: string;
  @IsOptional() @IsInt() @Min(0) truncatedAlerts?: number;
  @IsIn(['firing', 'resolved']) status: 'firing' | 'resolved';
  /** The receiver's name, regex-escaped by Alertmanager (`regexp.QuoteMeta`). */
  @IsOptional() @IsString() receiver?: string;
  @IsOptional() @IsStringMap() groupLabels?: Record<string, string>;
  @IsOptional() @IsStringMap() commonLabels?: Record<string, string>;
  @IsOptional() @IsStringMap() commonAnnotations?: Record<string, string>;
  @IsOptional() @IsString() externalURL?: string;
  @IsArray() @ArrayMaxSize(MaxBatchSize) @ValidateNested({ each: true }) @Type(() => AlertmanagerAlertDto)
  alerts: AlertmanagerAlertDto[];
}
