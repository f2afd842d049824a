import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, Min, validateSync, type ValidationError } from 'class-validator';
import { AlarmAcknowledgedData, AlarmClearedData, AlarmRaisedData, AlarmSeverityChangedData, type AlarmRef } from './alarm-events';
import { ConfigAppliedData, ConfigDeletedData } from './config-events';
import { EscalationAcknowledgedData, EscalationResolvedData, EscalationTriggeredData, pagedAlarm } from './escalation-events';
import { EventTypes, assertNever, type EscalationEventType, type EventType } from './event-types';
import { EventVersions, type EventHistory } from './event-versions';
import { NotificationDeliveredData, NotificationFailedData } from './notification-events';
import { SlaAtRiskData, SlaBreachedData, SlaMetData } from './sla-events';

/**
 * The runtime validator of each event type's `data` at its current version (event-versions.ts);
 * the static type is the class itself.
 */
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
 * Checks an event read from the wire and brings it to the version this build works with:
 * its data is validated against the class of its own version, taken through each step up
 * to the current version, and validated again. Unknown fields are kept (consumers ignore
 * what they do not know). A version newer than this build knows is refused, naming `version`.
 */
export function parseEvent(raw: unknown): AnyEvent {
  if (typeof raw !== 'object' || raw === null) throw new InvalidEventError(['event: must be a JSON object']);
  const shape = plainToInstance(EnvelopeShape, raw);
  const problems = describeValidationErrors(validateSync(shape));
  if (problems.length > 0) throw new InvalidEventError(problems);
  const history: EventHistory = EventVersions[shape.type];
  const { version } = shape;
  if (version > history.current) {
    throw new InvalidEventError([`version: ${version} of ${shape.type} is newer than this build knows (it reads up to ${history.current})`]);
  }
  const own = version === history.current ? EventDataClasses[shape.type] : history.older[version]?.data;
  if (!own) throw new InvalidEventError([`version: ${version} of ${shape.type} is no longer read by this build (it reads from ${oldestVersionOf(history)})`]);
  assertValidData(own, shape.data, '');
  let data: object = shape.data;
  for (let from = version; from < history.current; from++) data = stepFrom(shape.type, history, from)(data);
  if (version < history.current) assertValidData(EventDataClasses[shape.type], data, ` (upcast from version ${version})`);
  return { ...(raw as object), version: history.current, data } as unknown as AnyEvent;
}

function assertValidData(dataClass: new () => object, data: object, note: string): void {
  const problems = describeValidationErrors(validateSync(plainToInstance(dataClass, data)), 'data');
  if (problems.length > 0) throw new InvalidEventError(problems.map((problem) => `${problem}${note}`));
}

function stepFrom(type: EventType, history: EventHistory, from: number): (data: object) => object {
  const step = history.older[from];
  // A gap in the chain is a defect of this build, not of the event.
  if (!step) throw new Error(`event-versions: ${type} has no step from version ${from}`);
  return step.upcast;
}

function oldestVersionOf(history: EventHistory): number {
  return Math.min(history.current, ...Object.keys(history.older).map(Number));
}

export function isEventOfType<T extends EventType>(event: AnyEvent, type: T): event is Extract<AnyEvent, { type: T }> {
  return event.type === type;
}

/**
 * Whether an event is of one of `types` (a topic's, such as `AlarmEventTypes`): narrows it, so a
 * consumer switches over just those and still ends in a never check.
 */
export function isEventOf<T extends EventType>(event: AnyEvent, types: readonly T[]): event is Extract<AnyEvent, { type: T }> {
  return (types as readonly EventType[]).includes(event.type);
}

/** The events of the escalation topic, narrowed on `type`. */
export type EscalationEvent = Extract<AnyEvent, { type: EscalationEventType }>;

/** The alarm an escalation event is about: the one a page is about, or the one an acknowledgement or resolution names. */
export function escalationAlarm(event: EscalationEvent): AlarmRef {
  switch (event.type) {
    case 'escalation-triggered':
      return pagedAlarm(event.data);
    case 'escalation-acknowledged':
    case 'escalation-resolved':
      return event.data.alarm;
    default:
      return assertNever(event);
  }
}

export { assertNever };
