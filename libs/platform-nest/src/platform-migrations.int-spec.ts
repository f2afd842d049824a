import { migrationRoundTrip } from '@vigil/persistence/testing';
import { serviceMigrations } from './platform.module';

/** The tables every service's schema gets from the platform: outbox, ledger and its checkpoints, config documents and (optionally) durable timers. */
describe('the platform migrations of a service schema', () => {
  it.each([
    ['without timers', false, ['config_documents', 'outbox', 'processed_checkpoints', 'processed_events']],
    ['with durable timers', true, ['config_documents', 'outbox', 'processed_checkpoints', 'processed_events', 'timers']],
  ])('%s run up, all the way down, and up again to the same tables and indexes', async (_, timers, tables) => {
    const migrations = serviceMigrations({ schema: 'platform_roundtrip', timers });
    const trip = await migrationRoundTrip('platform_roundtrip', migrations);
    expect(trip.applied).toHaveLength(migrations.length);
    expect(trip.afterUp.tables).toEqual(tables);
    expect(trip.afterDown).toEqual({ tables: [], indexes: [] });
    expect(trip.reappliedCount).toBe(migrations.length);
    expect(trip.afterUpAgain).toEqual(trip.afterUp);
  });
});
