import { assertNever } from '@vigil/contracts';
import type { EscalationEvent, TriggerContext } from '../delivery-log/delivery';

export interface PlannedDelivery {
  channel: string;
  /** For acknowledged/resolved notices: what the channel was told when it was paged. */
  trigger?: TriggerContext;
}

/**
 * Which channels an escalation event goes to. A trigger pages its targets (each once,
 * however often the policy lists it); an acknowledgement or resolution goes to the
 * channels that were paged about that escalation, so whoever heard the alarm hears
 * that it is handled — and nobody else.
 */
export function planDeliveries(event: EscalationEvent, notifiedChannels: ReadonlyMap<string, TriggerContext>): PlannedDelivery[] {
  switch (event.type) {
    case 'escalation-triggered':
      return [...new Set(event.data.targets)].map((channel) => ({ channel }));
    case 'escalation-acknowledged':
    case 'escalation-resolved':
      return [...notifiedChannels].map(([channel, trigger]) => ({ channel, trigger }));
    default:
      return assertNever(event);
  }
}
