import { Type } from 'class-transformer';
import { IsArray, IsIn, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';

export const PagerDutyActions = ['trigger', 'acknowledge', 'resolve'] as const;
export type PagerDutyAction = (typeof PagerDutyActions)[number];
export const PagerDutySeverities = ['critical', 'error', 'warning', 'info'] as const;
export type PagerDutySeverity = (typeof PagerDutySeverities)[number];

export class PagerDutyLinkDto {
  @IsString() @IsNotEmpty() href: string;
  @IsOptional() @IsString() text?: string;
}

export class PagerDutyImageDto {
  @IsString() @IsNotEmpty() src: string;
  @IsOptional() @IsString() href?: string;
  @IsOptional() @IsString() alt?: string;
}

/** `payload` of a trigger: PagerDuty's Common Event Format (summary, source and severity required). */
export class PagerDutyPayloadDto {
  @IsString() @IsNotEmpty() @MaxLength(1024) summary: string;
  @IsString() @IsNotEmpty() source: string;
  @IsIn(PagerDutySeverities) severity: PagerDutySeverity;
  @IsOptional() @IsISO8601({ strict: true }) timestamp?: string;
  @IsOptional() @IsString() component?: string;
  @IsOptional() @IsString() group?: string;
  @IsOptional() @IsString() class?: string;
  /** Free-form: PagerDuty keeps it for people, Vigil does not interpret it. */
  @IsOptional() custom_details?: unknown;
}

/** `payload` on acknowledge and resolve: PagerDuty does not need one; what is sent must still be well-formed. */
export class PagerDutyFollowUpPayloadDto {
  @IsOptional() @IsString() @MaxLength(1024) summary?: string;
  @IsOptional() @IsString() source?: string;
  @IsOptional() @IsIn(PagerDutySeverities) severity?: PagerDutySeverity;
  @IsOptional() @IsISO8601({ strict: true }) timestamp?: string;
  @IsOptional() @IsString() component?: string;
  @IsOptional() @IsString() group?: string;
  @IsOptional() @IsString() class?: string;
  @IsOptional() custom_details?: unknown;
}

/** What every Events API v2 alert event carries. */
export class PagerDutyEventDto {
  /**
   * Accepted and ignored: PagerDuty routes by this integration key, Vigil by the tenant of
   * the bearer token and the service in the payload. A key in the body is a secret without
   * expiry or scopes, so it never stands in for the token.
   */
  @IsOptional() @IsString() routing_key?: string;
  @IsIn(PagerDutyActions) event_action: PagerDutyAction;
  @IsOptional() @IsString() client?: string;
  @IsOptional() @IsString() client_url?: string;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => PagerDutyLinkDto) links?: PagerDutyLinkDto[];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => PagerDutyImageDto) images?: PagerDutyImageDto[];
}

export class PagerDutyTriggerDto extends PagerDutyEventDto {
  declare event_action: 'trigger';
  /** Optional on a trigger: PagerDuty (and Vigil) generate one and answer with it. */
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(255) dedup_key?: string;
  @IsObject() @ValidateNested() @Type(() => PagerDutyPayloadDto) payload: PagerDutyPayloadDto;
}

export class PagerDutyFollowUpDto extends PagerDutyEventDto {
  declare event_action: 'acknowledge' | 'resolve';
  @IsString() @IsNotEmpty() @MaxLength(255) dedup_key: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PagerDutyFollowUpPayloadDto) payload?: PagerDutyFollowUpPayloadDto;
}

export type PagerDutyEvent = PagerDutyTriggerDto | PagerDutyFollowUpDto;
