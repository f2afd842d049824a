import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { eventKey, Topics } from '@vigil/contracts';
import { uniqueTenant } from '@vigil/testing';
import { cleared, raised, useReportingHarness, type AlarmSpec } from '../testing/reporting-test-kit';

const INCIDENTS = '/api/v1/sla/incidents';

/** The incidents drill-down and the CSV exports, from real events over HTTP. */
describe('incidents and CSV against real Kafka and PostgreSQL', () => {
  const running = useReportingHarness();
  // No Tenant config: the tenant's days are UTC days.
  const tenant = uniqueTenant();
  const alarm = (alarmKey: string, raisedAt: string, severity: AlarmSpec['severity'] = 'critical'): AlarmSpec =>
    ({ tenantId: tenant, alarmKey, serviceId: 'checkout-api', severity, raisedAt });
  const a = alarm('db,primary', '2026-11-05T10:00:00.000Z');
  const b = alarm('disk-warning', '2026-11-05T12:00:00.000Z', 'minor');
  const c = alarm('flaky-probe', '2026-11-06T09:00:00.000Z');
  const d = alarm('night-latency', '2026-11-06T23:30:00.000Z', 'major');
  const e = alarm('still-down', '2026-11-07T08:00:00.000Z');
  const twoDays = { from: '2026-11-05', to: '2026-11-06' };

  beforeAll(async () => {
    await running().produce(Topics.alarmEvents, eventKey(tenant, 'checkout-api'),
      raised(a), cleared(a, '2026-11-05T11:00:00.000Z'),
      raised(b), cleared(b, '2026-11-05T12:30:00.000Z'),
      raised(c), cleared(c, '2026-11-06T09:10:00.000Z', 'cancelled'),
      raised(d), cleared(d, '2026-11-07T00:30:00.000Z'),
      raised(e));
    const token = await running().tokenFor(tenant);
    await running().expectEventually(INCIDENTS, token, { from: '2026-11-07' }, expect.objectContaining({
      incidents: [expect.objectContaining({ alarm_key: 'night-latency' }), expect.objectContaining({ alarm_key: 'still-down' })],
    }));
  }, 60_000);

  it('pages through the incidents of the range in order of their start, cursor after cursor', async () => {
    const token = await running().tokenFor(tenant);
    const first = await running().get(INCIDENTS, token, { ...twoDays, limit: '2' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ from: '2026-11-05T00:00:00Z', to: '2026-11-07T00:00:00Z', timezone: 'UTC' });
    expect(first.body.incidents.map((i: { alarm_key: string }) => i.alarm_key)).toEqual(['db,primary', 'disk-warning']);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await running().get(INCIDENTS, token, { ...twoDays, limit: '2', cursor: first.body.next_cursor });
    expect(second.body.incidents).toEqual([
      expect.objectContaining({ alarm_key: 'flaky-probe', resolution: 'cancelled', duration_minutes: 10, downtime_minutes: 0 }),
      // 23:30 to 00:30, half of it inside the range.
      expect.objectContaining({ alarm_key: 'night-latency', severity: 'major', duration_minutes: 60, downtime_minutes: 30, event_ids: [expect.any(String), expect.any(String)] }),
    ]);
    expect(second.body.next_cursor).toBeNull();
  });

  it('marks what did not count: a minor alarm has no downtime', async () => {
    const { body } = await running().get(INCIDENTS, await running().tokenFor(tenant), twoDays);
    expect(body.incidents.map((i: { alarm_key: string; downtime_minutes: number }) => [i.alarm_key, i.downtime_minutes])).toEqual([
      ['db,primary', 60], ['disk-warning', 0], ['flaky-probe', 0], ['night-latency', 30],
    ]);
  });

  it('refuses a cursor of another query and one it never issued, naming cursor', async () => {
    const token = await running().tokenFor(tenant);
    const first = await running().get(INCIDENTS, token, { ...twoDays, limit: '1' });
    const other = await running().get(INCIDENTS, token, { from: '2026-11-05', to: '2026-11-07', limit: '1', cursor: first.body.next_cursor });
    expect(other.status).toBe(400);
    expect(other.body.errors).toEqual([expect.objectContaining({ field: 'cursor', rule: 'isCursorOfQuery' })]);
    const forged = await running().get(INCIDENTS, token, { ...twoDays, cursor: 'eyJzIjoxfQ' });
    expect(forged.status).toBe(400);
    expect(forged.body.errors).toEqual([expect.objectContaining({ field: 'cursor', rule: 'isCursor' })]);
  });

  it('answers 400 naming the parameter for over 90 days and from after to', async () => {
    const token = await running().tokenFor(tenant);
    const long = await running().get(INCIDENTS, token, { from: '2026-01-01', to: '2026-06-30' });
    expect(long.body.errors).toEqual([expect.objectContaining({ field: 'to', rule: 'maxRange' })]);
    const backwards = await running().get(INCIDENTS, token, { from: '2026-11-06', to: '2026-11-05' });
    expect(backwards.body.errors).toEqual([expect.objectContaining({ field: 'from', rule: 'isNotAfterTo' })]);
  });

  it('exports every incident of the range as CSV, quoting what needs it and leaving an open end empty', async () => {
    const { status, headers, text } = await running().get(`${INCIDENTS}.csv`, await running().tokenFor(tenant), { from: '2026-11-05', to: '2026-11-07', limit: '1' });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(headers.get('content-disposition')).toBe(`attachment; filename="incidents-${tenant}-2026-11-05-2026-11-08.csv"`);
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('incident_id,alarm_key,service_id,severity,summary,started_at,ended_at,acknowledged_at,resolution,duration_minutes,downtime_minutes,event_ids');
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/^\d+,"db,primary",checkout-api,critical,"db,primary down",2026-11-05T10:00:00Z,2026-11-05T11:00:00Z,,resolved,60,60,[\w-]+ [\w-]+$/);
    expect(lines[5]).toMatch(/^\d+,still-down,checkout-api,critical,still-down down,2026-11-07T08:00:00Z,,,,\d+(\.\d+)?,\d+(\.\d+)?,[\w-]+$/);
  });

  it('exports daily compliance as CSV, one row a day', async () => {
    const { status, text } = await running().get('/api/v1/faults/sla/compliance.csv', await running().tokenFor(tenant), { from_date: '2026-11-05', to_date: '2026-11-06' });
    expect(status).toBe(200);
    expect(text).toBe([
      'date,compliance_percentage,target_percentage,uptime_minutes,downtime_minutes,sla_breaches',
      '2026-11-05T00:00:00Z,95.83,99.9,1380,60,0',
      '2026-11-06T00:00:00Z,97.92,99.9,1410,30,0',
      '',
    ].join('\r\n'));
  });

  it('documents the reporting routes and their parameters in OpenAPI', () => {
    const document = SwaggerModule.createDocument(running().app, new DocumentBuilder().build());
    const parameters = (route: string) => (document.paths[route]?.get?.parameters ?? []).map((p) => ('name' in p ? p.name : '')).sort();
    expect(parameters('/api/v1/sla/incidents')).toEqual(['as_of', 'cursor', 'from', 'limit', 'service_id', 'to']);
    expect(parameters('/api/v1/faults/sla/compliance')).toEqual(['as_of', 'from_date', 'service_id', 'to_date']);
    expect(parameters('/api/v1/sla/reports/monthly')).toEqual(['as_of', 'month', 'service_id']);
    expect(document.paths['/api/v1/admin/projections/reporting/rebuild']?.post).toBeDefined();
    expect(document.paths['/dashboard']).toBeUndefined();
  });
});
