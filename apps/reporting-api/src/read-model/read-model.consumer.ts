import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { assertNever, Topics, type AnyEvent } from '@vigil/contracts';
import { MessagingService } from '@vigil/platform-nest';
import { projectAlarmAcknowledged, projectAlarmCleared, projectAlarmRaised, projectAlarmSeverityChanged } from './alarm-events.projection';
import { keepingRollups } from '../daily-rollups/daily-rollups.projection';
import { projectConfigApplied, projectConfigDeleted } from './config-events.projection';
import { projectEscalationEvent } from './escalation-events.projection';
import { noteRestatement } from './restatements.projection';
import { projectSlaBreached, projectSlaMet } from './sla-events.projection';

export const ReadModelTopics = [Topics.alarmEvents, Topics.slaEvents, Topics.escalationEvents, Topics.configEvents];

/**
 * Applies one event to the read model, inside the consumer's transaction (`manager`), restates
 * the daily rollups of the days it changed and moves the tenant's restatement version when it
 * touched a closed day.
 */
export async function projectEvent(event: AnyEvent, manager: EntityManager): Promise<void> {
  await keepingRollups(event, manager, () => applyEvent(event, manager));
  await noteRestatement(event, manager);
}

async function applyEvent(event: AnyEvent, manager: EntityManager): Promise<void> {
  switch (event.type) {
    case 'config-applied':
      return projectConfigApplied(event, manager);
    case 'config-deleted':
      return projectConfigDeleted(event, manager);
    case 'alarm-raised':
      return projectAlarmRaised(event, manager);
    case 'alarm-severity-changed':
      return projectAlarmSeverityChanged(event, manager);
    case 'alarm-cleared':
      return projectAlarmCleared(event, manager);
    case 'alarm-acknowledged':
      return projectAlarmAcknowledged(event, manager);
    case 'sla-breached':
      return projectSlaBreached(event, manager);
    case 'sla-met':
      return projectSlaMet(event, manager);
    // At-risk verdicts change no number reporting shows yet.
    case 'sla-at-risk':
      return;
    case 'escalation-triggered':
    case 'escalation-acknowledged':
    case 'escalation-resolved':
      return projectEscalationEvent(event, manager);
    // Not on a topic reporting consumes.
    case 'notification-delivered':
    case 'notification-failed':
      return;
    default:
      return assertNever(event);
  }
}

/**
 * One consumer group for the whole read model: a single group join at start-up, and each
 * event applied exactly once through the processed-event ledger.
 */
@Injectable()
export class ReadModelConsumer implements OnModuleInit {
  constructor(private readonly messaging: MessagingService) {}

  onModuleInit(): void {
    this.messaging.consume({
      name: 'read-model',
      topics: ReadModelTopics,
      handle: (event, { manager }) => projectEvent(event, manager),
    });
  }
}
