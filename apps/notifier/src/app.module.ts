import { Module } from '@nestjs/common';
import { Topics } from '@vigil/contracts';
import { PlatformModule } from '@vigil/platform-nest';
import { DeliverNotificationHandler } from './deliver-notification/deliver-notification.handler';
import { OutboundHttpClient } from './deliver-notification/outbound-http.client';
import { DeliveryLogRepository } from './delivery-log/delivery-log.repository';
import { DeliveryLog1763700400000 } from './migrations/1763700400000-delivery-log.migration';
import { NOTIFIER_CONFIG, loadNotifierConfig } from './notifier.config';
import { EscalationEventsConsumer } from './schedule-deliveries/escalation-events.consumer';

@Module({
  imports: [
    PlatformModule.forService({
      service: 'notifier',
      schema: 'notifier',
      topics: [Topics.escalationEvents, Topics.notificationEvents, Topics.notificationDeadLetters, Topics.configEvents],
      migrations: [DeliveryLog1763700400000],
      timers: true,
    }),
  ],
  providers: [
    { provide: NOTIFIER_CONFIG, useFactory: () => loadNotifierConfig() },
    DeliveryLogRepository,
    OutboundHttpClient,
    EscalationEventsConsumer,
    DeliverNotificationHandler,
  ],
})
export class AppModule {}
