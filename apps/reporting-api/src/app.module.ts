import { Module } from '@nestjs/common';
import { PlatformModule } from '@vigil/platform-nest';
import { ComplianceController } from './daily-compliance/compliance.controller';
import { DailyComplianceHandler } from './daily-compliance/daily-compliance.handler';
import { ReportingReadModel1763710000000 } from './migrations/1763710000000-reporting-read-model.migration';
import { ReportingIncidentSeverities1763710000100 } from './migrations/1763710000100-incident-severities.migration';
import { ReportingReportHistory1763710000200 } from './migrations/1763710000200-report-history.migration';
import { IncidentsController } from './incidents/incidents.controller';
import { IncidentsHandler } from './incidents/incidents.handler';
import { MonthlyReportController } from './monthly-report/monthly-report.controller';
import { MonthlyReportHandler } from './monthly-report/monthly-report.handler';
import { ReportFactsReader } from './report-facts/report-facts.reader';
import { ReadModelConsumer, ReadModelTopics } from './read-model/read-model.consumer';

@Module({
  imports: [
    PlatformModule.forService({
      service: 'reporting-api',
      schema: 'reporting',
      topics: ReadModelTopics,
      migrations: [ReportingReadModel1763710000000, ReportingIncidentSeverities1763710000100, ReportingReportHistory1763710000200],
    }),
  ],
  controllers: [ComplianceController, MonthlyReportController, IncidentsController],
  providers: [ReadModelConsumer, ReportFactsReader, DailyComplianceHandler, MonthlyReportHandler, IncidentsHandler],
})
export class AppModule {}
