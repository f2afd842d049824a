import { newEvent, type EscalationReason } from '@vigil/contracts';
import { buildEmailMessage } from './email-message';

const escalationId = '0196a4b0-0000-7000-8000-0000000000e1';
const alarm = { alarmKey: 'fp-42', serviceId: 'checkout-api', severity: 'critical' as const, summary: 'Primary DB unreachable' };
const reason: EscalationReason = { trigger: 'sla-breached', eventId: '0196a4b0-0000-7000-8000-000000000001', detail: 'error budget exhausted' };
const context = { escalationBaseUrl: 'https://escalation.example.com' };
const spec = { from: 'Vigil <vigil@example.com>', to: ['oncall@example.com'] };

describe('buildEmailMessage', () => {
  const triggered = newEvent({
    type: 'escalation-triggered', tenantId: 'acme', subject: escalationId, occurredAt: '2026-11-03T10:00:00.000Z',
    data: { escalationId, policy: 'critical-paging', level: 1, round: 0, targets: ['ops-mail'], serviceId: alarm.serviceId, alarms: [alarm], reason },
  });

  it('reads like the page: severity, service, summary and level in the subject, the acknowledge link in the body', () => {
    const mail = buildEmailMessage(triggered, 'ops-mail', spec, context);
    expect(mail).toMatchObject({
      from: 'Vigil <vigil@example.com>', to: ['oncall@example.com'],
      subject: '[CRITICAL] checkout-api: Primary DB unreachable (level 1, round 0)',
      headers: { 'X-Vigil-Event': 'escalation-triggered', 'X-Vigil-Idempotency-Key': `${triggered.id}:ops-mail` },
      references: `<${escalationId}@vigil>`,
    });
    expect(mail.text).toContain('Alarm:    fp-42');
    expect(mail.text).toContain('Reason:   sla-breached — error budget exhausted');
    expect(mail.text).toContain(`Acknowledge: https://escalation.example.com/api/v1/escalations/${escalationId}/acknowledge`);
  });

  it('keeps one Message-ID per delivery, so a retry is recognisably the same mail', () => {
    const first = buildEmailMessage(triggered, 'ops-mail', spec, context);
    expect(buildEmailMessage(triggered, 'ops-mail', spec, context).messageId).toBe(first.messageId);
    expect(buildEmailMessage(triggered, 'other-mail', spec, context).messageId).not.toBe(first.messageId);
    expect(first.messageId).toMatch(/^<[A-Za-z0-9.-]+@vigil>$/);
  });

  it('says who acknowledged, with the level the channel was paged at', () => {
    const acknowledged = newEvent({
      type: 'escalation-acknowledged', tenantId: 'acme', subject: escalationId, occurredAt: '2026-11-03T10:05:00.000Z',
      data: { escalationId, alarm, acknowledgedBy: 'ada', acknowledgedAt: '2026-11-03T10:05:00.000Z' },
    });
    const mail = buildEmailMessage(acknowledged, 'ops-mail', spec, { ...context, trigger: { policy: 'critical-paging', level: 1, round: 0, reason } });
    expect(mail.subject).toBe('Acknowledged by ada: [CRITICAL] checkout-api: Primary DB unreachable');
    expect(mail.text).toMatch(/^Acknowledged by ada at 2026-11-03T10:05:00.000Z\./);
    expect(mail.text).toContain('policy critical-paging, level 1, round 0');
    expect(mail.text).not.toContain('Acknowledge:');
  });
});
