import { Module } from '@nestjs/common';
import { Topics } from '@vigil/contracts';
import { loadConfig } from '@vigil/observability';
import { PlatformModule } from '@vigil/platform-nest';
import { INBOUND_ALARMS_CONFIG, InboundAlarmsConfig } from './consume-inbound-alarms/inbound-alarms.config';
import { InboundAlarmsConsumer } from './consume-inbound-alarms/inbound-alarms.consumer';
import { PagerDutyEventsController } from './enqueue-pagerduty-event/pagerduty-events.controller';
import { INGESTION_CONFIG, IngestionConfig } from './ingestion.config';
import { EventStore1763700001000 } from './migrations/1763700001000-event-store.migration';
import { AlarmState1763700001100 } from './migrations/1763700001100-alarm-state.migration';
import { EventPayloadJson1763700001200 } from './migrations/1763700001200-event-payload-json.migration';
import { IdempotencyKeyRetention1764100001000 } from './migrations/1764100001000-idempotency-key-retention.migration';
import { AlertmanagerWebhookController } from './receive-alertmanager-webhook/alertmanager-webhook.controller';
import { idempotencyKeyRetentionRules } from './record-alarms/idempotency-keys.retention';
import { RecordAlarmsController } from './record-alarms/record-alarms.controller';
import { RecordAlarmsHandler } from './record-alarms/record-alarms.handler';
import { TenantRateLimit } from './record-alarms/tenant-rate-limit';

@Module({
  imports: [
    PlatformModule.forService({
      service: 'alarm-ingestion',
      schema: 'ingestion',
      topics: [Topics.alarmEvents, Topics.alarmsInbound, Topics.configEvents],
      migrations: [EventStore1763700001000, AlarmState1763700001100, EventPayloadJson1763700001200, IdempotencyKeyRetention1764100001000],
      retention: idempotencyKeyRetentionRules,
    }),
  ],
  controllers: [RecordAlarmsController, AlertmanagerWebhookController, PagerDutyEventsController],
  providers: [{ provide: INGESTION_CONFIG, useFactory: () => loadConfig(IngestionConfig) }, TenantRateLimit, RecordAlarmsHandler,
    { provide: INBOUND_ALARMS_CONFIG, useFactory: () => loadConfig(InboundAlarmsConfig) }, InboundAlarmsConsumer],
})
export class AppModule {}
