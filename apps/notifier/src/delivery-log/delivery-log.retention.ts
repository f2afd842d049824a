import { assertIdentifier, type AgeRule } from '@vigil/persistence';

/**
 * Delivered notifications older than the window go, save those the log still answers for (ADR
 * 0028). An acknowledged or resolved notice of an escalation is needed by nothing once sent. A
 * trigger is how the escalation's later notices find the channels that were paged, so it stays
 * until the escalation is resolved — which the log knows by the resolved notice it then planned for
 * every channel a trigger reached — and that notice stays while any trigger of its escalation is
 * in the log (a failed one may be redriven and delivered later). Pending and failed rows (the
 * dead letters a redrive sends again) never go. The window is at least the ledger's, so the log's
 * own guard against planning an event twice outlives the ledger's.
 */
export function deliveryLogRetentionRule(schema: string, windowMs: number): AgeRule {
  const table = `${assertIdentifier(schema)}.deliveries`;
  const ofEscalation = (type: string) =>
    `select 1 from ${table} e where e.tenant_id = t.tenant_id and e.escalation_id = t.escalation_id and e.event_type = '${type}'`;
  return {
    name: 'deliveries',
    table,
    windowMs,
    age: {
      predicate: `t.status = 'delivered' and t.delivered_at < $1 and (
        t.event_type = 'escalation-acknowledged'
        or (t.event_type = 'escalation-triggered' and exists (${ofEscalation('escalation-resolved')}))
        or (t.event_type = 'escalation-resolved' and not exists (${ofEscalation('escalation-triggered')})))`,
    },
  };
}
