import type { EventEnvelope } from '@vigil/contracts';

/** The one timer kind of availability: look again when an open outage will have spent the next part of the budget. */
export const AvailabilityTimerKind = 'availability-budget';

/**
 * A window's timer takes turns between two subjects (`…#0`, `…#1`): the handler of a firing timer
 * arms the next one under the other, because the poller stamps the row it fired after the
 * handler and would stamp a re-armed one with it. Exact subjects keep every lookup on the
 * timers' unique index, however many timers are pending.
 */
export const availabilityTimerSubjects = (policy: string, serviceId: string, windowKey: string): [string, string] => {
  const base = `${policy}/${serviceId}/${windowKey}`;
  return [`${base}#0`, `${base}#1`];
};

/** What a budget timer carries: the window that armed it and the event its verdicts are caused by. */
export interface BudgetTimerPayload {
  policy: string;
  serviceId: string;
  windowKey: string;
  windowStart: number;
  cause: Pick<EventEnvelope, 'id' | 'correlationId'>;
}
