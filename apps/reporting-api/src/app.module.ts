import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PlatformModule } from '@vigil/platform-nest';
import { ComplianceController } from './daily-compliance/compliance.controller';
import { DailyComplianceHandler } from './daily-compliance/daily-compliance.handler';
import { ReportingReadModel1763710000000 } from './migrations/1763710000000-reporting-read-model.migration';
import { ReportingIncidentSeverities1763710000100 } from './migrations/1763710000100-incident-severities.migration';
import { ReportingReportHistory1763710000200 } from './migrations/1763710000200-report-history.migration';
import { DashboardController } from './dashboard/dashboard.controller';
import { IncidentsController } from './incidents/incidents.controller';
import { IncidentsHandler } from './incidents/incidents.handler';
import { ServicesController } from './list-services/services.controller';
import { MonthlyReportController } from './monthly-report/monthly-report.controller';
import { MonthlyReportHandler } from './monthly-report/monthly-report.handler';
import { RebuildReadModelController } from './rebuild-read-model/rebuild-read-model.controller';
import { RebuildReadModelService } from './rebuild-read-model/rebuild-read-model.service';
import { ReportingIncidentEndIndexes1763710000400 } from './migrations/1763710000400-incident-end-indexes.migration';
import { ReportingRestatements1763710000300 } from './migrations/1763710000300-restatements.migration';
import { ReportingDailyRollups1763710000500 } from './migrations/1763710000500-daily-rollups.migration';
import { ReportingBreachCorrections1763710000600 } from './migrations/1763710000600-breach-corrections.migration';
import { ReportingRestatedSpans1763710000700 } from './migrations/1763710000700-restated-spans.migration';
import { ReportingConfigurationHistory1763710000800 } from './migrations/1763710000800-configuration-history.migration';
import { ReportingRollupMarks1763710000900 } from './migrations/1763710000900-rollup-marks.migration';
import { ReportingRestatedSpansAge1764110000000 } from './migrations/1764110000000-restated-spans-age.migration';
import { DegradedHealthInterceptor } from './report-cache/degraded-health.interceptor';
import { ReportCache } from './report-cache/report-cache';
import { ReportFactsReader } from './report-facts/report-facts.reader';
import { ReadModelConsumer, ReadModelTopics } from './read-model/read-model.consumer';
import { restatedSpansRetentionRule } from './read-model/restated-spans.retention';

@Module({
  imports: [
    PlatformModule.forService({
      service: 'reporting-api',
      schema: 'reporting',
      topics: ReadModelTopics,
      migrations: [ReportingReadModel1763710000000, ReportingIncidentSeverities1763710000100, ReportingReportHistory1763710000200, ReportingRestatements1763710000300, ReportingIncidentEndIndexes1763710000400, ReportingDailyRollups1763710000500, ReportingBreachCorrections1763710000600, ReportingRestatedSpans1763710000700, ReportingConfigurationHistory1763710000800, ReportingRollupMarks1763710000900,
        ReportingRestatedSpansAge1764110000000],
      retention: (windows) => [restatedSpansRetentionRule(windows.restatedSpansMs)],
    }),
  ],
  controllers: [ComplianceController, MonthlyReportController, IncidentsController, ServicesController, DashboardController, RebuildReadModelController],
  providers: [
    ReadModelConsumer, ReportFactsReader, ReportCache, DailyComplianceHandler, MonthlyReportHandler, IncidentsHandler, RebuildReadModelService,
    { provide: APP_INTERCEPTOR, useClass: DegradedHealthInterceptor },
  ],
})
export class AppModule {}
