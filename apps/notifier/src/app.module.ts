import { Module } from '@nestjs/common';
import { Topics } from '@vigil/contracts';
import { timerRetentionMigration, timerRetentionRule, timerRetriesMigration, timersMigration } from '@vigil/persistence';
import { PlatformModule } from '@vigil/platform-nest';
import { DeliverNotificationHandler } from './deliver-notification/deliver-notification.handler';
import { DeliveryWorkers } from './deliver-notification/delivery-workers';
import { OutboundCalls } from './deliver-notification/outbound-call';
import { OutboundHttpClient } from './deliver-notification/outbound-http.client';
import { SmtpMailClient } from './deliver-notification/smtp-mail.client';
import { DeliveryLogRepository } from './delivery-log/delivery-log.repository';
import { deliveryLogRetentionRule } from './delivery-log/delivery-log.retention';
import { DeliveryLog1763700400000 } from './migrations/1763700400000-delivery-log.migration';
import { DeliveryRetention1764100400000 } from './migrations/1764100400000-delivery-retention.migration';
import { NOTIFIER_CONFIG, loadNotifierConfig } from './notifier.config';
import { RedriveDeliveriesController } from './redrive-deliveries/redrive-deliveries.controller';
import { RedriveDeliveriesHandler } from './redrive-deliveries/redrive-deliveries.handler';
import { EscalationEventsConsumer } from './schedule-deliveries/escalation-events.consumer';

@Module({
  imports: [
    PlatformModule.forService({
      service: 'notifier',
      schema: 'notifier',
      topics: [Topics.escalationEvents, Topics.notificationEvents, Topics.notificationDeadLetters, Topics.configEvents],
      // The notifier's timers are its delivery queue, fired by its own worker pool rather
      // than the platform's one-at-a-time timer loop: it creates the table itself.
      migrations: [timersMigration('notifier'), timerRetriesMigration('notifier'), DeliveryLog1763700400000, timerRetentionMigration('notifier'), DeliveryRetention1764100400000],
      timers: false,
      retention: (windows) => [timerRetentionRule('notifier', windows.timersMs), deliveryLogRetentionRule('notifier', windows.deliveriesMs)],
    }),
  ],
  providers: [
    { provide: NOTIFIER_CONFIG, useFactory: () => loadNotifierConfig() },
    DeliveryLogRepository,
    OutboundCalls,
    OutboundHttpClient,
    SmtpMailClient,
    EscalationEventsConsumer,
    DeliverNotificationHandler,
    DeliveryWorkers,
    RedriveDeliveriesHandler,
  ],
  controllers: [RedriveDeliveriesController],
})
export class AppModule {}
