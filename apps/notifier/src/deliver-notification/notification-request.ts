import { createHmac } from 'node:crypto';
import { PagerDutyEventsUrl, assertNever, escalationAlarm, type AlarmRef, type ChannelType, type EscalationReason, type NotificationChannelSpec } from '@vigil/contracts';
import { idempotencyKey, type EscalationEvent } from '../delivery-log/delivery';
import { buildEmailMessage, type EmailMessage } from './email-message';
import { acknowledgeUrl, pagedWith, type NotificationContext } from './notification-context';
import { buildPagerDutyEvent } from './pagerduty-event';

/** The JSON a webhook receives. Fields are only ever added (DESIGN.md, Evolution). */
export interface WebhookBody {
  type: EscalationEvent['type'];
  eventId: string;
  tenantId: string;
  occurredAt: string;
  escalation: { id: string; policy?: string; level?: number; round?: number };
  alarm: AlarmRef;
  /** The verdict that opened or raised the escalation (`sla-breached`, …). */
  reason?: EscalationReason;
  acknowledgement?: { by: string; at: string };
  resolvedAt?: string;
  links: { acknowledge?: string };
}

export interface SlackBody {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Where an email channel's SMTP server is, and how to log in (the password never leaves this object). */
export interface SmtpTarget {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
}

/**
 * What to do for one delivery: an HTTP POST (webhook, Slack, PagerDuty), a mail, or
 * nothing because it cannot be made. `breaker` names the destination's circuit breaker.
 */
export type PreparedDelivery =
  | { kind: 'http'; channelType: ChannelType; breaker: string; request: OutboundRequest }
  | { kind: 'email'; channelType: 'email'; breaker: string; smtp: SmtpTarget; message: EmailMessage }
  | { kind: 'fail'; channelType: string; reason: string };

export { acknowledgeUrl, type NotificationContext } from './notification-context';

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>`, the value of `X-Vigil-Signature`. */
export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function buildWebhookBody(event: EscalationEvent, context: NotificationContext): WebhookBody {
  const paged = pagedWith(event, context);
  const alarm = escalationAlarm(event);
  const body: WebhookBody = {
    type: event.type,
    eventId: event.id,
    tenantId: event.tenantId,
    occurredAt: event.occurredAt,
    escalation: { id: event.data.escalationId, policy: paged?.policy, level: paged?.level, round: paged?.round },
    alarm: { alarmKey: alarm.alarmKey, serviceId: alarm.serviceId, severity: alarm.severity, summary: alarm.summary },
    reason: paged?.reason,
    links: {},
  };
  switch (event.type) {
    case 'escalation-triggered':
      body.links.acknowledge = acknowledgeUrl(context.escalationBaseUrl, event.data.escalationId);
      break;
    case 'escalation-acknowledged':
      body.acknowledgement = { by: event.data.acknowledgedBy, at: event.data.acknowledgedAt };
      break;
    case 'escalation-resolved':
      body.resolvedAt = event.data.resolvedAt;
      break;
    default:
      assertNever(event);
  }
  return body;
}

/** Slack's mrkdwn treats these three as markup. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack's incoming-webhook format: `text` (also the notification preview) and blocks. */
export function buildSlackBody(event: EscalationEvent, context: NotificationContext): SlackBody {
  const paged = pagedWith(event, context);
  const { alarmKey, serviceId, severity, summary } = escalationAlarm(event);
  const level = paged ? `level ${paged.level}, round ${paged.round}` : 'level unknown';
  let headline: string;
  let footer: string;
  switch (event.type) {
    case 'escalation-triggered':
      headline = `:rotating_light: [${severity.toUpperCase()}] ${slackEscape(serviceId)}: ${slackEscape(summary)}`;
      footer = `Escalation ${level}${paged ? ` · ${paged.reason.trigger}` : ''} · <${acknowledgeUrl(context.escalationBaseUrl, event.data.escalationId)}|Acknowledge>`;
      break;
    case 'escalation-acknowledged':
      headline = `:eyes: Acknowledged by ${slackEscape(event.data.acknowledgedBy)} — [${severity.toUpperCase()}] ${slackEscape(serviceId)}: ${slackEscape(summary)}`;
      footer = `Escalation ${level} · acknowledged at ${event.data.acknowledgedAt}`;
      break;
    case 'escalation-resolved':
      headline = `:white_check_mark: Resolved — [${severity.toUpperCase()}] ${slackEscape(serviceId)}: ${slackEscape(summary)}`;
      footer = `Escalation ${level} · resolved at ${event.data.resolvedAt}`;
      break;
    default:
      return assertNever(event);
  }
  return {
    text: `${headline} (alarm ${slackEscape(alarmKey)}, ${level})`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: headline } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Alarm*\n${slackEscape(alarmKey)}` },
          { type: 'mrkdwn', text: `*Severity*\n${severity}` },
          { type: 'mrkdwn', text: `*Service*\n${slackEscape(serviceId)}` },
          { type: 'mrkdwn', text: `*Level*\n${paged ? paged.level : 'unknown'}` },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: footer }] },
    ],
  };
}

function request(url: string, channel: string, event: EscalationEvent, body: string, secret?: string): OutboundRequest {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'vigil-notifier',
    'Idempotency-Key': idempotencyKey(event.id, channel),
    'X-Vigil-Event': event.type,
  };
  if (secret) headers['X-Vigil-Signature'] = signBody(body, secret);
  return { url, headers, body };
}

/** Breaker name for an HTTP destination: one per kind and host, whatever channel points at it. */
export function breakerName(kind: 'webhook' | 'pagerduty', url: string): string | undefined {
  try {
    return `${kind}:${new URL(url).host}`;
  } catch {
    return undefined;
  }
}

/**
 * Turns a delivery into the call to make, or into the reason it cannot be made. A
 * channel that is missing, disabled or incomplete fails at once: retrying would not
 * change the answer.
 */
export function prepareDelivery(
  channel: { name: string; spec: NotificationChannelSpec } | undefined,
  channelName: string,
  event: EscalationEvent,
  context: NotificationContext,
): PreparedDelivery {
  if (!channel) {
    return { kind: 'fail', channelType: 'unknown', reason: `no NotificationChannel named ${channelName} for tenant ${event.tenantId}` };
  }
  const { spec, name } = channel;
  if (spec.enabled === false) return { kind: 'fail', channelType: spec.type, reason: `channel ${name} is disabled` };
  const incomplete = (field: string): PreparedDelivery => ({ kind: 'fail', channelType: spec.type, reason: `channel ${name} has no ${field}` });
  switch (spec.type) {
    case 'webhook':
    case 'slack': {
      if (!spec.url) return incomplete('url');
      const breaker = breakerName('webhook', spec.url);
      if (!breaker) return { kind: 'fail', channelType: spec.type, reason: 'cannot send: the channel url is not a URL' };
      const body = JSON.stringify(spec.type === 'webhook' ? buildWebhookBody(event, context) : buildSlackBody(event, context));
      return { kind: 'http', channelType: spec.type, breaker, request: request(spec.url, name, event, body, spec.secret) };
    }
    case 'pagerduty': {
      if (!spec.routingKey) return incomplete('routingKey');
      const url = spec.url ?? PagerDutyEventsUrl;
      const breaker = breakerName('pagerduty', url);
      if (!breaker) return { kind: 'fail', channelType: spec.type, reason: 'cannot send: the channel url is not a URL' };
      const body = JSON.stringify(buildPagerDutyEvent(event, spec.routingKey, context));
      return { kind: 'http', channelType: spec.type, breaker, request: request(url, name, event, body) };
    }
    case 'email': {
      if (!spec.host) return incomplete('host');
      if (!spec.port) return incomplete('port');
      if (!spec.from) return incomplete('from');
      if (!spec.to?.length) return incomplete('to');
      const smtp: SmtpTarget = { host: spec.host, port: spec.port, secure: spec.secure ?? false, ...(spec.auth ? { auth: { ...spec.auth } } : {}) };
      return {
        kind: 'email', channelType: 'email', breaker: `smtp:${spec.host}:${spec.port}`, smtp,
        message: buildEmailMessage(event, name, { from: spec.from, to: spec.to }, context),
      };
    }
    default:
      return assertNever(spec.type);
  }
}
