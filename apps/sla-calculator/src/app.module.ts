import { Module } from '@nestjs/common';
import { Topics } from '@vigil/contracts';
import { PlatformModule } from '@vigil/platform-nest';
import { AlarmEventsConsumer } from './alarm-events/alarm-events.consumer';
import { AvailabilityWindowsRepository } from './availability/availability-windows.repository';
import { CorrectResolutionHistoryHandler } from './correct-resolution-history/correct-resolution-history.handler';
import { FireBudgetTimerHandler } from './fire-budget-timer/fire-budget-timer.handler';
import { FireResolutionTimerHandler } from './fire-resolution-timer/fire-resolution-timer.handler';
import { JudgeAgainWhenDocumentAppliedConsumer } from './judge-again-when-document-applied/judge-again-when-document-applied.consumer';
import { MaintenanceWindowVersionsRepository } from './judge-again-when-document-applied/maintenance-window-versions.repository';
import { JudgeAvailabilityHandler } from './judge-availability/judge-availability.handler';
import { SlaSchema, slaMigrations } from './migrations';
import { OutageIntervalsRepository } from './outage-intervals/outage-intervals.repository';
import { ResolutionClockTimers } from './resolution-clocks/resolution-clock.timer';
import { ResolutionClocksRepository } from './resolution-clocks/resolution-clocks.repository';
import { ResolutionVerdictPublisher } from './resolution-clocks/resolution-verdict.publisher';
import { SettleResolutionClocksHandler } from './settle-resolution-clocks/settle-resolution-clocks.handler';
import { SlaDocuments } from './sla-policies/sla-documents';
import { SlaMetrics } from './sla-metrics';
import { SlaStatusController } from './sla-status/sla-status.controller';
import { SlaStatusHandler } from './sla-status/sla-status.handler';
import { StartResolutionClocksHandler } from './start-resolution-clocks/start-resolution-clocks.handler';
import { TightenResolutionClocksHandler } from './tighten-resolution-clocks/tighten-resolution-clocks.handler';
import { TenantZonesProjection } from './tenant-zones/tenant-zones.projection';
import { TenantZonesRepository } from './tenant-zones/tenant-zones.repository';

/**
 * The SLA calculator. Its documents (SLAPolicy, BusinessCalendar, MaintenanceWindow,
 * CreditSchedule) are stored by the platform's `vigil apply` route in `sla.config_documents`.
 */
@Module({
  imports: [
    PlatformModule.forService({
      service: 'sla-calculator',
      schema: SlaSchema,
      topics: [Topics.alarmEvents, Topics.slaEvents, Topics.configEvents],
      migrations: slaMigrations(),
      timers: true,
    }),
  ],
  providers: [
    SlaMetrics,
    SlaDocuments,
    TenantZonesRepository,
    TenantZonesProjection,
    OutageIntervalsRepository,
    ResolutionClocksRepository,
    ResolutionClockTimers,
    ResolutionVerdictPublisher,
    StartResolutionClocksHandler,
    TightenResolutionClocksHandler,
    CorrectResolutionHistoryHandler,
    SettleResolutionClocksHandler,
    FireResolutionTimerHandler,
    AvailabilityWindowsRepository,
    MaintenanceWindowVersionsRepository,
    JudgeAvailabilityHandler,
    FireBudgetTimerHandler,
    AlarmEventsConsumer,
    JudgeAgainWhenDocumentAppliedConsumer,
    SlaStatusHandler,
  ],
  controllers: [SlaStatusController],
})
export class AppModule {}
