import { assertNever, type AlarmRef, type EventEnvelope } from '@vigil/contracts';

/** The alarm events that may page as `alarm-raised`. */
export type AlarmTriggerEvent = EventEnvelope<'alarm-raised'> | EventEnvelope<'alarm-severity-changed'>;

/** An alarm event read as an `alarm-raised` trigger: the alarm at the severity it has now. */
export interface AlarmTrigger {
  trigger: 'alarm-raised';
  alarm: AlarmRef;
  detail: string;
}

/**
 * Whether an alarm event is a new reason to page, and as what:
 *
 * - `alarm-raised` is, unless it `corrects` history (a late raise moving the start of an
 *   outage that is already active is not a new outage, and whoever it concerned was paged
 *   by the raise it corrects);
 * - `alarm-severity-changed` is an `alarm-raised` at the new severity, so a policy that
 *   pages on raise for that severity opens an escalation when none is active. A change
 *   that leaves the severity as it was is nothing.
 *
 * An escalation already active for the alarm is left as it is either way (the decider
 * opens no second one), and a change to a severity no policy matches closes nothing.
 */
export function alarmTriggerOf(event: AlarmTriggerEvent): AlarmTrigger | undefined {
  const { alarmKey, serviceId, severity, summary } = event.data;
  const alarm: AlarmRef = { alarmKey, serviceId, severity, summary };
  switch (event.type) {
    case 'alarm-raised':
      if (event.data.corrects) return undefined;
      return { trigger: 'alarm-raised', alarm, detail: summary };
    case 'alarm-severity-changed': {
      const { previousSeverity } = event.data;
      if (previousSeverity === severity) return undefined;
      return { trigger: 'alarm-raised', alarm, detail: `severity ${previousSeverity} → ${severity}: ${summary}` };
    }
    default:
      return assertNever(event);
  }
}
