import { Matches } from 'class-validator';

/** The inbound consumer's settings; each variable is named in the error when it is wrong. */
export class InboundAlarmsConfig {
  /**
   * The Kafka consumer group. Replicas of one deployment share it; another deployment on
   * the same brokers with its own database (staging next to production, the bench next to
   * the tests) needs its own, or the two take each other's messages.
   */
  @Matches(/^[A-Za-z0-9._-]{1,200}$/, { message: 'INGESTION_INBOUND_CONSUMER_GROUP must be 1 to 200 letters, digits, ".", "_" or "-"' })
  INGESTION_INBOUND_CONSUMER_GROUP = 'alarm-ingestion.inbound-alarms';
}

export const INBOUND_ALARMS_CONFIG = Symbol('INBOUND_ALARMS_CONFIG');
