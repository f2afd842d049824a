import { parseInboundAlarm } from './inbound-alarm';

const NOW = Date.parse('2026-11-03T12:00:00Z');
const message = (body: unknown) => Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
const raise = {
  tenantId: 'acme', alarmId: 'db-down', serviceId: 'checkout-api', severity: 'critical', status: 'raised', summary: 'DB down',
  labels: { team: 'payments' }, occurredAt: '2026-11-03T11:00:00+01:00',
};

describe('parseInboundAlarm', () => {
  it('reads a native alarm change and its tenant', () => {
    expect(parseInboundAlarm(message(raise), NOW)).toEqual({
      ok: true,
      tenantId: 'acme',
      change: {
        alarmKey: 'db-down', serviceId: 'checkout-api', severity: 'critical', status: 'raised', summary: 'DB down', source: 'kafka',
        labels: { team: 'payments' }, occurredAt: '2026-11-03T10:00:00.000Z',
      },
    });
  });

  it('keeps the resolution of a clear', () => {
    expect(parseInboundAlarm(message({ ...raise, status: 'cleared', resolution: 'cancelled', source: 'nagios' }), NOW)).toMatchObject({
      ok: true, change: { status: 'cleared', resolution: 'cancelled', source: 'nagios' },
    });
  });

  it('gives a reason for a message that is not JSON or not an object', () => {
    expect(parseInboundAlarm(message('{"alarmId":'), NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON/) });
    expect(parseInboundAlarm(null, NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON/) });
    expect(parseInboundAlarm(message([raise]), NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/^body:/) });
  });

  it('names every field that breaks the rules of POST /api/v1/alarms, and the missing tenant', () => {
    const { tenantId: _, ...withoutTenant } = raise;
    const result = parseInboundAlarm(message({ ...withoutTenant, severity: 'catastrophic', occurredAt: 'yesterday' }), NOW);
    expect(result.ok).toBe(false);
    const reason = (result as { reason: string }).reason;
    expect(reason).toContain('tenantId:');
    expect(reason).toContain('severity:');
    expect(reason).toContain('occurredAt:');
  });

  it('applies the checks after the DTO: no future times, string label values, resolution only on a clear', () => {
    expect(parseInboundAlarm(message({ ...raise, occurredAt: '2026-11-03T13:00:00Z' }), NOW)).toEqual({ ok: false, reason: 'occurredAt: must not be in the future' });
    expect(parseInboundAlarm(message({ ...raise, labels: { n: 1 } }), NOW)).toEqual({ ok: false, reason: 'labels: label values must be strings' });
    expect(parseInboundAlarm(message({ ...raise, resolution: 'resolved' }), NOW)).toEqual({ ok: false, reason: 'resolution: is only allowed when status is cleared' });
  });
});
