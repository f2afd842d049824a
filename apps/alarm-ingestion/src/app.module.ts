import { Module } from '@nestjs/common';
import { Topics } from '@vigil/contracts';
import { PlatformModule } from '@vigil/platform-nest';
import { EventStore1763700001000 } from './migrations/1763700001000-event-store.migration';
import { RecordAlarmsController } from './record-alarms/record-alarms.controller';
import { RecordAlarmsHandler } from './record-alarms/record-alarms.handler';

@Module({
  imports: [
    PlatformModule.forService({
      service: 'alarm-ingestion',
      schema: 'ingestion',
      topics: [Topics.alarmEvents, Topics.alarmsInbound, Topics.configEvents],
      migrations: [EventStore1763700001000],
    }),
  ],
  controllers: [RecordAlarmsController],
  providers: [RecordAlarmsHandler],
})
export class AppModule {}
