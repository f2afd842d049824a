import { serviceMigrations } from '@vigil/platform-nest';
import { migrationRoundTrip } from '@vigil/persistence/testing';
import { EventStore1763700001000 } from './1763700001000-event-store.migration';
import { AlarmState1763700001100 } from './1763700001100-alarm-state.migration';
import { EventPayloadJson1763700001200 } from './1763700001200-event-payload-json.migration';
import { IdempotencyKeyRetention1764100001000 } from './1764100001000-idempotency-key-retention.migration';

describe('ingestion migrations', () => {
  it('run up, all the way down, and up again to the same tables and indexes', async () => {
    // The same list the service runs at start: the platform's tables, then the event store's.
    const migrations = serviceMigrations({ schema: 'ingestion', migrations: [EventStore1763700001000, AlarmState1763700001100, EventPayloadJson1763700001200, IdempotencyKeyRetention1764100001000] });
    const trip = await migrationRoundTrip('ingestion', migrations);
    expect(trip.applied).toHaveLength(migrations.length);
    expect(trip.afterUp.tables).toEqual(expect.arrayContaining(['events', 'outbox', 'processed_events']));
    expect(trip.afterDown).toEqual({ tables: [], indexes: [] });
    expect(trip.reappliedCount).toBe(migrations.length);
    expect(trip.afterUpAgain).toEqual(trip.afterUp);
  });
});
