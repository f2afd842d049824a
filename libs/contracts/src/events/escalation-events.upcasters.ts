import type { EscalationTriggeredData } from './escalation-events';
import type { EscalationTriggeredDataV1 } from './escalation-events.v1';

/**
 * A version 1 page was about its one alarm: its escalation is of that alarm's service and
 * lists that alarm alone. Fields it does not name pass through, as everywhere a consumer
 * meets a field it does not know.
 */
export function escalationTriggeredV1ToV2(data: EscalationTriggeredDataV1): EscalationTriggeredData {
  const { alarm, ...unchanged } = data;
  return { ...unchanged, serviceId: alarm.serviceId, alarms: [alarm] };
}
