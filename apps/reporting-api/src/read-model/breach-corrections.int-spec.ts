import { eventKey, newEvent, Topics, type EventEnvelope } from '@vigil/contracts';
import { eventually, uniqueTenant } from '@vigil/testing';
import { breached, useReportingHarness } from '../testing/reporting-test-kit';

const COMPLIANCE = '/api/v1/faults/sla/compliance';
const MONTHLY = '/api/v1/sla/reports/monthly';

/** Verdicts that `correct` a breach (docs/adr/0011), projected from real Kafka into PostgreSQL and read back. */
describe('breach corrections against real Kafka and PostgreSQL', () => {
  const running = useReportingHarness();
  const tenant = uniqueTenant();
  const policy = 'api-availability';
  const breach = (effectiveAt: string, recordedAt: string) => ({ ...breached(tenant, 'api', policy, effectiveAt), recordedAt });
  const correcting = (original: EventEnvelope<'sla-breached'>, effectiveAt: string, recordedAt: string): EventEnvelope<'sla-breached'> => {
    const event = breach(effectiveAt, recordedAt);
    return { ...event, data: { ...event.data, corrects: original.id } };
  };
  const retraction = (original: EventEnvelope<'sla-breached'>, recordedAt: string) => newEvent({
    type: 'sla-met', tenantId: tenant, subject: original.subject, sequence: 2, occurredAt: original.data.effectiveAt, recordedAt,
    data: { ...original.data, reason: 'corrected history leaves the budget', corrects: original.id },
  });
  // Moved: breached on the 5th, restated on the 7th (a corrected raise).
  const moved = breach('2026-11-05T10:00:00Z', '2026-11-05T10:00:01Z');
  const movedTo = correcting(moved, '2026-11-07T10:00:00Z', '2026-11-08T00:00:00Z');
  // Retracted: breached on the 9th, then a cancelled alarm took the downtime away.
  const retracted = breach('2026-11-09T10:00:00Z', '2026-11-09T10:00:01Z');
  const retractedBy = retraction(retracted, '2026-11-10T00:00:00Z');
  // Restated at its own instant (other figures): still the one breach of the 11th.
  const kept = breach('2026-11-11T10:00:00Z', '2026-11-11T10:00:01Z');
  const keptRestated = correcting(kept, '2026-11-11T10:00:00Z', '2026-11-11T12:00:00Z');
  // The retraction arrives before the breach it names (a replay of another partition's order).
  const early = breach('2026-11-12T10:00:00Z', '2026-11-12T10:00:01Z');
  const earlyRetraction = retraction(early, '2026-11-12T11:00:00Z');
  const events: EventEnvelope[] = [moved, movedTo, retracted, retractedBy, kept, keptRestated, earlyRetraction, early];

  const projected = () => eventually('every verdict projected', async () => {
    const [{ n }] = await running().dataSource.query(
      `select count(distinct event_id)::int as n from reporting.processed_events where event_id = any($1::uuid[])`, [events.map((e) => e.id)]);
    return n === events.length;
  }, 45_000);

  const expectCorrectedCounts = async () => {
    const token = await running().tokenFor(tenant);
    const compliance = await running().get(COMPLIANCE, token, { from_date: '2026-11-05', to_date: '2026-11-12', service_id: 'api' });
    expect(compliance.body.records.map((r: { sla_breaches: number }) => r.sla_breaches)).toEqual([0, 0, 1, 0, 0, 0, 1, 0]);
    const month = await running().get(MONTHLY, token, { month: '2026-11', service_id: 'api' });
    expect(month.body).toEqual(expect.objectContaining({ breaches: 2 }));
    expect(month.body.evidence.breaches.map((b: { event_id: string }) => b.event_id).sort()).toEqual([movedTo.id, kept.id].sort());
  };

  beforeAll(async () => {
    await running().produce(Topics.slaEvents, eventKey(tenant, 'api'), ...events);
    await projected();
  }, 60_000);

  it('moves a restated breach to its new day, drops a retracted one and keeps one restated at its own instant', async () => {
    await expectCorrectedCounts();
  });

  it('counts the breach as it stood before its correction was recorded, as of then', async () => {
    const token = await running().tokenFor(tenant);
    const month = await running().get(MONTHLY, token, { month: '2026-11', service_id: 'api', as_of: '2026-11-07T12:00:00Z' });
    expect(month.body).toEqual(expect.objectContaining({ breaches: 1 }));
    expect(month.body.evidence.breaches.map((b: { event_id: string }) => b.event_id)).toEqual([moved.id]);
  });

  it('is idempotent if run twice: verdicts and corrections delivered again change nothing', async () => {
    await running().produce(Topics.slaEvents, eventKey(tenant, 'api'), ...events);
    const sentinel = breach('2026-11-20T10:00:00Z', '2026-11-20T10:00:01Z');
    await running().produce(Topics.slaEvents, eventKey(tenant, 'api'), sentinel);
    await eventually('the sentinel', async () =>
      (await running().dataSource.query(`select 1 from reporting.breaches where event_id = $1`, [sentinel.id])).length === 1, 45_000);
    const token = await running().tokenFor(tenant);
    const compliance = await running().get(COMPLIANCE, token, { from_date: '2026-11-05', to_date: '2026-11-12', service_id: 'api' });
    expect(compliance.body.records.map((r: { sla_breaches: number }) => r.sla_breaches)).toEqual([0, 0, 1, 0, 0, 0, 1, 0]);
    const counts = await running().dataSource.query(
      `select (select count(*)::int from reporting.breach_corrections where tenant_id = $1) as corrections,
              (select count(*)::int from reporting.breaches where tenant_id = $1) as breaches`, [tenant]);
    // Four corrections, once each; six breach rows with the sentinel (the restatement at its own instant shares its breach's key).
    expect(counts).toEqual([{ corrections: 4, breaches: 6 }]);
  });
});
