import { createHmac } from 'node:crypto';
import { assertNever, type AlarmRef, type EscalationReason, type NotificationChannelSpec } from '@vigil/contracts';
import { idempotencyKey, type EscalationEvent, type TriggerContext } from '../delivery-log/delivery';

/** What the delivery needs to know besides the event. */
export interface NotificationContext {
  /** For acknowledged/resolved: what the channel was paged with. */
  trigger?: TriggerContext;
  /** The escalation service's public base URL (`ESCALATION_PUBLIC_URL`). */
  escalationBaseUrl: string;
}

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

export type PreparedDelivery = { kind: 'send'; channelType: string; request: OutboundRequest } | { kind: 'fail'; channelType: string; reason: string };

export function acknowledgeUrl(escalationBaseUrl: string, escalationId: string): string {
  return `${escalationBaseUrl.replace(/\/+$/, '')}/api/v1/escalations/${encodeURIComponent(escalationId)}/acknowledge`;
}

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>`, the value of `X-Vigil-Signature`. */
export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Level, round, policy and reason: from the trigger itself, or from what the channel was paged with. */
function pagedWith(event: EscalationEvent, context: NotificationContext): TriggerContext | undefined {
  if (event.type === 'escalation-triggered') {
    const { policy, level, round, reason } = event.data;
    return { policy, level, round, reason };
  }
  return context.trigger;
}

export function buildWebhookBody(event: EscalationEvent, context: NotificationContext): WebhookBody {
  const paged = pagedWith(event, context);
  const body: WebhookBody = {
    type: event.type,
    eventId: event.id,
    tenantId: event.tenantId,
    occurredAt: event.occurredAt,
    escalation: { id: event.data.escalationId, policy: paged?.policy, level: paged?.level, round: paged?.round },
    alarm: {
      alarmKey: event.data.alarm.alarmKey,
      serviceId: event.data.alarm.serviceId,
      severity: event.data.alarm.severity,
      summary: event.data.alarm.summary,
    },
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
  const { alarmKey, serviceId, severity, summary } = event.data.alarm;
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

/**
 * Turns a delivery into the HTTP request to make, or into the reason it cannot be made.
 * A channel that is missing, disabled or of a kind not supported yet fails at once:
 * retrying would not change the answer.
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
  const { spec } = channel;
  if (spec.enabled === false) return { kind: 'fail', channelType: spec.type, reason: `channel ${channel.name} is disabled` };
  switch (spec.type) {
    case 'webhook':
    case 'slack': {
      if (!spec.url) return { kind: 'fail', channelType: spec.type, reason: `channel ${channel.name} has no url` };
      const body = JSON.stringify(spec.type === 'webhook' ? buildWebhookBody(event, context) : buildSlackBody(event, context));
      return { kind: 'send', channelType: spec.type, request: request(spec.url, channel.name, event, body, spec.secret) };
    }
    case 'email':
    case 'pagerduty':
      return { kind: 'fail', channelType: spec.type, reason: `${spec.type} channels are not supported yet (channel ${channel.name})` };
    default:
      return assertNever(spec.type);
  }
}
