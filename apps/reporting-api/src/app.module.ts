import { Module } from '@nestjs/common';
import { PlatformModule } from '@vigil/platform-nest';
import { ComplianceController } from './daily-compliance/compliance.controller';
import { DailyComplianceHandler } from './daily-compliance/daily-compliance.handler';
import { ReportingReadModel1763710000000 } from './migrations/1763710000000-reporting-read-model.migration';
import { ReportingIncidentSeverities1763710000100 } from './migrations/1763710000100-incident-severities.migration';
import { ReadModelConsumer, ReadModelTopics } from './read-model/read-model.consumer';

@Module({
  imports: [
    PlatformModule.forService({
      service: 'reporting-api',
      schema: 'reporting',
      topics: ReadModelTopics,
      migrations: [ReportingReadModel1763710000000, ReportingIncidentSeverities1763710000100],
    }),
  ],
  controllers: [ComplianceController],
  providers: [ReadModelConsumer, DailyComplianceHandler],
})
export class AppModule {}
