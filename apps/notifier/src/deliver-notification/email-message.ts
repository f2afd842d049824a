import { assertNever, escalationAlarm } from '@vigil/contracts';
import { idempotencyKey, type EscalationEvent } from '../delivery-log/delivery';
import { acknowledgeUrl, pagedWith, type NotificationContext } from './notification-context';

/** What nodemailer is handed for one notification. */
export interface EmailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
  /** Threads every mail about one escalation under its first. */
  references: string;
}

/** A Message-ID made of the idempotency key: the same on every retry, so a mail system can drop a duplicate. */
function messageIdOf(key: string): string {
  return `<${key.replace(/[^A-Za-z0-9.-]/g, '.')}@vigil>`;
}

/**
 * The mail for an escalation event: a subject that reads like the page (severity,
 * service, summary, level) and a plain-text body with the alarm, the reason and — on a
 * trigger — the acknowledge link.
 */
export function buildEmailMessage(event: EscalationEvent, channel: string, spec: { from: string; to: string[] }, context: NotificationContext): EmailMessage {
  const paged = pagedWith(event, context);
  const { alarmKey, serviceId, severity, summary } = escalationAlarm(event);
  const level = paged ? `level ${paged.level}, round ${paged.round}` : 'level unknown';
  const page = `[${severity.toUpperCase()}] ${serviceId}: ${summary}`;
  const facts = [
    `Alarm:    ${alarmKey}`,
    `Service:  ${serviceId}`,
    `Severity: ${severity}`,
    `Summary:  ${summary}`,
    `Escalation ${event.data.escalationId} (${paged ? `policy ${paged.policy}, ` : ''}${level})`,
    ...(paged ? [`Reason:   ${paged.reason.trigger}${paged.reason.detail ? ` — ${paged.reason.detail}` : ''}`] : []),
  ];
  let subject: string;
  let lines: string[];
  switch (event.type) {
    case 'escalation-triggered':
      subject = `${page} (${level})`;
      lines = [...facts, '', `Acknowledge: ${acknowledgeUrl(context.escalationBaseUrl, event.data.escalationId)}`];
      break;
    case 'escalation-acknowledged':
      subject = `Acknowledged by ${event.data.acknowledgedBy}: ${page}`;
      lines = [`Acknowledged by ${event.data.acknowledgedBy} at ${event.data.acknowledgedAt}.`, '', ...facts];
      break;
    case 'escalation-resolved':
      subject = `Resolved: ${page}`;
      lines = [`Resolved at ${event.data.resolvedAt}.`, '', ...facts];
      break;
    default:
      return assertNever(event);
  }
  const key = idempotencyKey(event.id, channel);
  return {
    from: spec.from,
    to: spec.to,
    subject,
    text: `${lines.join('\n')}\n`,
    messageId: messageIdOf(key),
    references: `<${event.data.escalationId}@vigil>`,
    headers: { 'X-Vigil-Event': event.type, 'X-Vigil-Idempotency-Key': key },
  };
}
