import { selectsService, type SLAPolicySpec } from '@vigil/contracts';

export interface PolicyDocument {
  name: string;
  spec: SLAPolicySpec;
}

/**
 * Whether a policy (resolution or availability) concerns an alarm of a service: the service ids
 * (or `"*"`) and the label selector against the alarm's labels, when both are given, must both match.
 */
export function policySelectsAlarm(spec: SLAPolicySpec, serviceId: string, labels: Record<string, string>): boolean {
  if (!selectsService(spec.services, serviceId)) return false;
  const wanted = spec.selector?.matchLabels ?? {};
  return Object.entries(wanted).every(([name, value]) => labels[name] === value);
}
