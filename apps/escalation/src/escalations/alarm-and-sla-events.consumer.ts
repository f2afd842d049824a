import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AlarmEventTypes, SlaEventTypes, Topics, assertNever, isEventOf, type AnyEvent } from '@vigil/contracts';
import { MessagingService } from '@vigil/platform-nest';
import { alarmTriggerOf } from '../domain/alarm-trigger.rules';
import { AcknowledgeEscalationHandler } from '../acknowledge-escalation/acknowledge-escalation.handler';
import { OpenEscalationHandler } from '../open-escalation/open-escalation.handler';
import { ResolveEscalationHandler } from '../resolve-escalation/resolve-escalation.handler';
import { KnownAlarmsStore } from './known-alarms.store';

/**
 * Alarm and SLA events in, escalations out. Every write goes through the message's
 * transaction, with the processed-event ledger row, so a re-delivered event changes nothing.
 */
@Injectable()
export class AlarmAndSlaEventsConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingService,
    private readonly alarms: KnownAlarmsStore,
    private readonly open: OpenEscalationHandler,
    private readonly acknowledge: AcknowledgeEscalationHandler,
    private readonly resolve: ResolveEscalationHandler,
  ) {}

  onModuleInit(): void {
    this.messaging.consume({
      name: 'alarm-and-sla-events',
      topics: [Topics.alarmEvents, Topics.slaEvents],
      handle: (event, { manager }) => this.handle(event, manager),
    });
  }

  async handle(event: AnyEvent, manager: EntityManager): Promise<void> {
    // Only alarm and SLA events are published on the topics this consumer reads.
    if (!isEventOf(event, [...AlarmEventTypes, ...SlaEventTypes])) return;
    switch (event.type) {
      case 'alarm-raised': {
        const { data } = event;
        await this.alarms.raised(manager, event.tenantId, data.alarmKey, data.serviceId, data.labels, event.sequence);
        // A corrected raise (an earlier start of the active outage) is history, not a new outage: it pages nobody.
        const trigger = alarmTriggerOf(event);
        if (trigger) await this.open.handle(manager, { event, ...trigger, labels: data.labels });
        return;
      }
      case 'alarm-severity-changed': {
        const { data } = event;
        await this.alarms.severityChanged(manager, event.tenantId, data.alarmKey, event.sequence);
        const known = await this.alarms.find(manager, event.tenantId, data.alarmKey);
        // A change older than the clear we already applied concerns an outage that is over.
        if (known?.status === 'cleared') return;
        // Paged as a raise at the new severity; an escalation already active stays as it is.
        const trigger = alarmTriggerOf(event);
        if (trigger) await this.open.handle(manager, { event, ...trigger, labels: known?.labels });
        return;
      }
      case 'sla-at-risk':
      case 'sla-breached': {
        const alarm = event.data.alarm;
        // An availability verdict about a whole service names no alarm: there is no alarm to escalate or to stop.
        if (!alarm) return;
        const known = await this.alarms.find(manager, event.tenantId, alarm.alarmKey);
        // The alarm cleared before its SLA verdict reached us (the topics are not ordered between them): nobody to wake.
        if (known?.status === 'cleared') return;
        await this.open.handle(manager, { event, trigger: event.type, alarm, labels: known?.labels, detail: event.data.reason });
        return;
      }
      case 'alarm-acknowledged':
        await this.acknowledge.fromAlarmEvent(manager, event);
        return;
      case 'alarm-cleared':
        // A corrected clear (an earlier end of an outage already over) finds no active escalation
        // to resolve: the clear it corrects resolved it. It never pages.
        await this.alarms.cleared(manager, event.tenantId, event.data.alarmKey, event.data.serviceId, event.sequence);
        await this.resolve.handle(manager, event);
        return;
      case 'sla-met':
        // Met means the alarm cleared in time; its alarm-cleared resolves the escalation.
        return;
      default:
        assertNever(event);
    }
  }
}
