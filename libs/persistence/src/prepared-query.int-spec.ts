import { QueryFailedError } from 'typeorm';
import { testEnv } from '@vigil/testing';
import { createDataSource } from './database';
import { preparedQuery, useGenericPlans } from './prepared-query';

const env = testEnv();

describe('preparedQuery against real PostgreSQL', () => {
  const dataSource = createDataSource({ url: env.DATABASE_URL, schema: 'public', applicationName: 'prepared-query-test', poolSize: 1 });
  const text = `select $1::int + 1 as n /* prepared-query-test */`;
  const preparedOnConnection = (manager: Parameters<typeof preparedQuery>[0]) =>
    manager.query(`select name, statement from pg_prepared_statements where statement like '%prepared-query-test%' and statement not like '%pg_prepared_statements%'`);

  beforeAll(() => dataSource.initialize());
  afterAll(() => dataSource.destroy());

  it('prepares the statement once on the transaction\'s connection and answers its rows each time', async () => {
    await dataSource.transaction(async (manager) => {
      await expect(preparedQuery(manager, text, [1])).resolves.toEqual([{ n: 2 }]);
      await expect(preparedQuery(manager, text, [41])).resolves.toEqual([{ n: 42 }]);
      expect(await preparedOnConnection(manager)).toEqual([{ name: expect.stringMatching(/^vigil_[0-9a-f]{24}$/), statement: text }]);
    });
  });

  it('runs as an ordinary query outside a transaction', async () => {
    await expect(preparedQuery(dataSource.manager, text, [9])).resolves.toEqual([{ n: 10 }]);
  });

  it('reports a failing statement as manager.query does, with the driver\'s error code', async () => {
    const failure = await dataSource.transaction((manager) => preparedQuery(manager, 'select 1 / $1::int as n /* prepared-query-test */', [0])).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError & { driverError: { code: string } }).driverError.code).toBe('22012');
  });

  it('makes the rest of a transaction run on generic plans, and nothing outside one', async () => {
    const mode = async (manager: Parameters<typeof preparedQuery>[0]) => (await manager.query('show plan_cache_mode'))[0].plan_cache_mode;
    await dataSource.transaction(async (manager) => {
      await useGenericPlans(manager);
      await useGenericPlans(manager);
      expect(await mode(manager)).toBe('force_generic_plan');
    });
    // `set local`: the pool's single connection is back to the server's mode.
    await useGenericPlans(dataSource.manager);
    expect(await mode(dataSource.manager)).toBe('auto');
  });
});
