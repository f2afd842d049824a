import { IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Min } from 'class-validator';

export class NotificationOutcomeData {
  /** The escalation event this delivery carried. */
  @IsUUID() escalationEventId: string;
  @IsUUID() escalationId: string;
  @IsString() @IsNotEmpty() channel: string;
  @IsString() @IsNotEmpty() channelType: string;
  @IsInt() @Min(1) attempts: number;
  @IsOptional() @IsInt() statusCode?: number;
}

export class NotificationDeliveredData extends NotificationOutcomeData {}

export class NotificationFailedData extends NotificationOutcomeData {
  @IsString() @IsNotEmpty() reason: string;
}
