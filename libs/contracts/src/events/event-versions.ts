import { EscalationTriggeredDataV1 } from './escalation-events.v1';
import { escalationTriggeredV1ToV2 } from './escalation-events.upcasters';
import type { EventType } from './event-types';

/**
 * A version of an event type's data that producers no longer write: the class it is
 * validated with, and the pure step that turns it into the version after it.
 */
export interface OlderVersion<Data extends object = object, Next extends object = object> {
  readonly data: new () => Data;
  readonly upcast: (data: Data) => Next;
  /** What the step changes, for the event catalogue (docs/events.md). */
  readonly change: string;
}

function olderVersion<Data extends object, Next extends object>(data: new () => Data, upcast: (data: Data) => Next, change: string): OlderVersion {
  // The step is only ever handed data its own class validated.
  return { data, upcast: upcast as (data: object) => Next, change };
}

/** One event type's history: the version producers write, and each older version still read, by number. */
export interface EventHistory {
  readonly current: number;
  readonly older: Readonly<Record<number, OlderVersion>>;
}

const none = {} as const;

/**
 * Every event type's versions (docs/adr/0027-events-are-upcast-on-read.md). The current
 * version's class is `EventDataClasses`; older versions run through their steps, one
 * version at a time, up to the current. A version is removed from `older` only when no
 * retained event and no running producer has it — oldest first, so the steps stay a chain.
 */
export const EventVersions = {
  'alarm-raised': { current: 1, older: none },
  'alarm-severity-changed': { current: 1, older: none },
  'alarm-acknowledged': { current: 1, older: none },
  'alarm-cleared': { current: 1, older: none },
  'sla-at-risk': { current: 1, older: none },
  'sla-breached': { current: 1, older: none },
  'sla-met': { current: 1, older: none },
  'escalation-triggered': {
    current: 2,
    older: {
      1: olderVersion(EscalationTriggeredDataV1, escalationTriggeredV1ToV2, '`alarm` becomes `serviceId` (the alarm\'s) and `alarms: [alarm]`'),
    },
  },
  'escalation-acknowledged': { current: 1, older: none },
  'escalation-resolved': { current: 1, older: none },
  'notification-delivered': { current: 1, older: none },
  'notification-failed': { current: 1, older: none },
  'config-applied': { current: 1, older: none },
  'config-deleted': { current: 1, older: none },
} as const satisfies Record<EventType, EventHistory>;

/** The version producers of this build write for a type. */
export function currentVersionOf(type: EventType): number {
  return EventVersions[type].current;
}
