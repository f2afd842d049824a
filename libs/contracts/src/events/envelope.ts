import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, Min, validateSync, type ValidationError } from 'class-validator';
import { AlarmAcknowledgedData, AlarmClearedData, AlarmRaisedData, AlarmSeverityChangedData } from './alarm-events';
import { ConfigAppliedData, ConfigDeletedData } from './config-events';
import { EscalationAcknowledgedData, EscalationResolvedData, EscalationTriggeredData } from './escalation-events';
import { EventTypes, assertNever, type EventType } from './event-types';
import { NotificationDeliveredData, NotificationFailedData } from './notification-events';
import { SlaAtRiskData, SlaBreachedData, SlaMetData } from './sla-events';

/** The runtime validator of each event type's `data`; the static type is the class itself. */
export const EventDataClasses = {
  'alarm-raised': AlarmRaisedData,
  'alarm-severity-changed': AlarmSeverityChangedData,
  'alarm-acknowledged': AlarmAcknowledgedData,
  'alarm-cleared': AlarmClearedData,
  'sla-at-risk': SlaAtRiskData,
  'sla-breached': SlaBreachedData,
  'sla-met': SlaMetData,
  'escalation-triggered': EscalationTriggeredData,
  'escalation-acknowledged': EscalationAcknowledgedData,
  'escalation-resolved': EscalationResolvedData,
  'notification-delivered': NotificationDeliveredData,
  'notification-failed': NotificationFailedData,
  'config-applied': ConfigAppliedData,
  'config-deleted': ConfigDeletedData,
} as const satisfies Record<EventType, new () => object>;

export type EventDataOf<T extends EventType> = InstanceType<(typeof EventDataClasses)[T]>;

export interface EventEnvelope<T extends EventType = EventType> {
  id: string;
  type: T;
  version: number;
  tenantId: string;
  subject: string;
  sequence: number;
  occurredAt: string;
  recordedAt: string;
  correlationId: string;
  causationId: string | null;
  data: EventDataOf<T>;
}

/** A discriminated union over every event type: narrowing on `type` narrows `data`. */
export type AnyEvent = { [T in EventType]: EventEnvelope<T> }[EventType];

class EnvelopeShape {
  @IsUUID() id: string;
  @IsIn(EventTypes) type: EventType;
  @IsInt() @Min(1) version: number;
  @IsString() @IsNotEmpty() tenantId: string;
  @IsString() @IsNotEmpty() subject: string;
  @IsInt() @Min(0) sequence: number;
  @IsISO8601({ strict: true }) occurredAt: string;
  @IsISO8601({ strict: true }) recordedAt: string;
  @IsString() @IsNotEmpty() correlationId: string;
  @IsOptional() @IsString() causationId: string | null;
  @IsObject() data: Record<string, unknown>;
}

export class InvalidEventError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid event: ${problems.join('; ')}`);
  }
}

/** Flattens class-validator errors into `path: rule` lines that name the field and the rule. */
export function describeValidationErrors(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => `${path}: ${message}`);
    return [...own, ...describeValidationErrors(error.children ?? [], path)];
  });
}

/**
 * Checks an event read from the wire. Unknown fields are kept (consumers ignore what
 * they do not know) and the versions this build understands are checked.
 */
export function parseEvent(raw: unknown): AnyEvent {
  if (typeof raw !== 'object' || raw === null) throw new InvalidEventError(['event: must be a JSON object']);
  const shape = plainToInstance(EnvelopeShape, raw);
  const problems = describeValidationErrors(validateSync(shape));
  if (problems.length > 0) throw new InvalidEventError(problems);
  if (shape.version !== 1) throw new InvalidEventError([`version: ${shape.version} of ${shape.type} is not understood by this build`]);
  const data = plainToInstance(EventDataClasses[shape.type] as new () => object, shape.data);
  const dataProblems = describeValidationErrors(validateSync(data), 'data');
  if (dataProblems.length > 0) throw new InvalidEventError(dataProblems);
  return { ...(raw as object), data: shape.data } as unknown as AnyEvent;
}

export function isEventOfType<T extends EventType>(event: AnyEvent, type: T): event is Extract<AnyEvent, { type: T }> {
  return event.type === type;
}

export { assertNever };
