import { PolicyRegistry, isBrokenCircuit } from './policies';

const fail = () => Promise.reject(new Error('database is down'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function failTimes(registry: PolicyRegistry, name: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await registry.breaker(name).execute(fail).catch(() => undefined);
}

describe('PolicyRegistry breakers', () => {
  it('opens a breaker after 5 consecutive failures and refuses calls at once while open', async () => {
    const registry = new PolicyRegistry();
    registry.breaker('database', { critical: true });
    await failTimes(registry, 'database', 5);
    const refused = await registry.breaker('database').execute(() => Promise.resolve('called')).catch((e: unknown) => e);
    expect(isBrokenCircuit(refused)).toBe(true);
    expect(registry.openCriticalBreakers()).toEqual(['database']);
  });

  it('lets a call through after the registry default half-open delay, and closes on its success', async () => {
    const registry = new PolicyRegistry({ halfOpenAfterMs: 50 });
    registry.breaker('database', { critical: true });
    await failTimes(registry, 'database', 5);
    expect(registry.snapshot().breakers[0].state).toBe('open');
    await sleep(80);
    await expect(registry.breaker('database').execute(() => Promise.resolve('called'))).resolves.toBe('called');
    expect(registry.snapshot().breakers[0].state).toBe('closed');
  });

  it('keeps a breaker’s own half-open delay over the registry default', async () => {
    const registry = new PolicyRegistry({ halfOpenAfterMs: 50 });
    registry.breaker('webhook', { halfOpenAfterMs: 60_000 });
    await failTimes(registry, 'webhook', 5);
    await sleep(80);
    const refused = await registry.breaker('webhook').execute(() => Promise.resolve('called')).catch((e: unknown) => e);
    expect(isBrokenCircuit(refused)).toBe(true);
  });

  it('closes an open breaker on reset, for every holder of it', async () => {
    const registry = new PolicyRegistry();
    const held = registry.breaker('database');
    await failTimes(registry, 'database', 5);
    expect(registry.reset('database')).toBe(true);
    await expect(held.execute(() => Promise.resolve('called'))).resolves.toBe('called');
    expect(registry.reset('unknown')).toBe(false);
  });

  it('says how long an open breaker still refuses calls: the rest of its open spell, 0 once a trial call may go', async () => {
    const registry = new PolicyRegistry({ halfOpenAfterMs: 50 });
    registry.breaker('webhook', { halfOpenAfterMs: 10_000 });
    expect(registry.reopensInMs('webhook')).toBe(0);
    await failTimes(registry, 'webhook', 5);
    const openedAt = Date.parse(registry.snapshot().breakers[0].lastChange);
    expect(registry.reopensInMs('webhook', openedAt + 4_000)).toBe(6_000);
    expect(registry.reopensInMs('webhook', openedAt + 12_000)).toBe(0);
    expect(registry.reopensInMs('unknown')).toBeUndefined();
  });
});
