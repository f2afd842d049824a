import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { traceHeaders } from '@vigil/observability';
import { DeliveryTimerKind, deliverySubject } from '../delivery-log/delivery';
import { DeliveryWorkers } from '../deliver-notification/delivery-workers';
import { DefaultRedriveLimit, type RedriveDeliveriesRequest, type RedriveDeliveriesResponse, type RedrivenDelivery } from './redrive-deliveries.request';

interface FailedRow { id: string; escalation_event_id: string; escalation_id: string; event_type: string; channel: string; failed_at: Date; last_error: string | null }

/**
 * Sends dead-lettered deliveries again: each failed row of the delivery log goes back to
 * `pending` and its `delivery` timer is re-armed, due now, in one transaction. The
 * workers then deliver it as the first time — same Idempotency-Key, same outcome events.
 * Idempotent: a row that is pending or delivered is not failed, so redriving twice
 * re-arms nothing the first redrive has not settled; two at once take turns on the rows they
 * share, and the second finds them pending. Why the delivery log rather than the
 * DLQ topic: ADR 0013.
 */
@Injectable()
export class RedriveDeliveriesHandler {
  constructor(private readonly dataSource: DataSource, private readonly workers: DeliveryWorkers) {}

  async redrive(tenantId: string, request: RedriveDeliveriesRequest): Promise<RedriveDeliveriesResponse> {
    const dryRun = request.dryRun ?? false;
    const rows = await this.dataSource.transaction(async (manager) => {
      const found: FailedRow[] = await manager.query(
        `select id, escalation_event_id, escalation_id, event_type, channel, failed_at, last_error from notifier.deliveries
         where tenant_id = $1 and status = 'failed'
           and ($2::text is null or channel = $2) and ($3::uuid is null or escalation_id = $3) and ($4::timestamptz is null or failed_at >= $4)
         order by id limit $5
         for update`,
        [tenantId, request.channel ?? null, request.escalationId ?? null, request.failedSince ?? null, request.limit ?? DefaultRedriveLimit],
      );
      if (dryRun || found.length === 0) return found;
      await manager.query(`update notifier.deliveries set status = 'pending', failed_at = null where id = any($1::bigint[])`, [found.map((r) => r.id)]);
      const now = new Date();
      for (const row of found) {
        await this.workers.timers.schedule(manager, {
          tenantId, kind: DeliveryTimerKind, subject: deliverySubject(row.escalation_event_id, row.channel), dueAt: now,
          // A redriven delivery joins the trace of the redrive request that sent it again.
          payload: { escalationEventId: row.escalation_event_id, channel: row.channel, ...traceHeaders() },
        });
      }
      return found;
    });
    if (!dryRun && rows.length > 0) this.workers.kick();
    const deliveries: RedrivenDelivery[] = rows.map((r) => ({
      escalationEventId: r.escalation_event_id, escalationId: r.escalation_id, eventType: r.event_type, channel: r.channel,
      failedAt: new Date(r.failed_at).toISOString(), lastError: r.last_error,
    }));
    return { dryRun, count: deliveries.length, deliveries };
  }
}
