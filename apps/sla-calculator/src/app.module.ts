import { Module } from '@nestjs/common';
import { Topics } from '@vigil/contracts';
import { PlatformModule } from '@vigil/platform-nest';
import { AlarmEventsConsumer } from './alarm-events/alarm-events.consumer';
import { AvailabilityService } from './availability/availability.service';
import { AvailabilityWindowsRepository } from './availability/availability-windows.repository';
import { JudgeAgainWhenDocumentAppliedConsumer } from './availability/judge-again-when-document-applied.consumer';
import { MaintenanceWindowVersionsRepository } from './availability/maintenance-window-versions.repository';
import { SlaSchema, slaMigrations } from './migrations';
import { OutageIntervalsRepository } from './outage-intervals/outage-intervals.repository';
import { ResolutionClocksRepository } from './resolution-clocks/resolution-clocks.repository';
import { ResolutionClocksService } from './resolution-clocks/resolution-clocks.service';
import { SlaDocuments } from './sla-policies/sla-documents';
import { SlaMetrics } from './sla-metrics';
import { SlaStatusController } from './sla-status/sla-status.controller';
import { SlaStatusHandler } from './sla-status/sla-status.handler';
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
    ResolutionClocksService,
    AvailabilityWindowsRepository,
    MaintenanceWindowVersionsRepository,
    AvailabilityService,
    AlarmEventsConsumer,
    JudgeAgainWhenDocumentAppliedConsumer,
    SlaStatusHandler,
  ],
  controllers: [SlaStatusController],
})
export class AppModule {}
