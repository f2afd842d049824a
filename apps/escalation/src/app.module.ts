import { Module } from '@nestjs/common';
import { Topics } from '@vigil/contracts';
import { PlatformModule } from '@vigil/platform-nest';
import { AcknowledgeEscalationController } from './acknowledge-escalation/acknowledge-escalation.controller';
import { AcknowledgeEscalationHandler } from './acknowledge-escalation/acknowledge-escalation.handler';
import { AlarmAndSlaEventsConsumer } from './escalations/alarm-and-sla-events.consumer';
import { EscalationStore } from './escalations/escalation.store';
import { KnownAlarmsStore } from './escalations/known-alarms.store';
import { EscalationLevelTimerHandler } from './fire-escalation-level/escalation-level.timer';
import { ListEscalationsController } from './list-escalations/list-escalations.controller';
import { EscalationMigrations } from './migrations';
import { OpenEscalationHandler } from './open-escalation/open-escalation.handler';
import { ResolveEscalationHandler } from './resolve-escalation/resolve-escalation.handler';

@Module({
  imports: [
    PlatformModule.forService({
      service: 'escalation',
      schema: 'escalation',
      topics: [Topics.slaEvents, Topics.alarmEvents, Topics.escalationEvents, Topics.configEvents],
      migrations: EscalationMigrations,
      timers: true,
    }),
  ],
  controllers: [AcknowledgeEscalationController, ListEscalationsController],
  providers: [
    EscalationStore,
    KnownAlarmsStore,
    OpenEscalationHandler,
    AcknowledgeEscalationHandler,
    ResolveEscalationHandler,
    EscalationLevelTimerHandler,
    AlarmAndSlaEventsConsumer,
  ],
})
export class AppModule {}
