import type { AnyEvent } from '@vigil/contracts';
import { alarmRaised, applyDocument, calculatorHarness, newTenant, useTestEnvironment } from '../../test/sla-test-kit';

// A poll interval far longer than the objective: only waking for the timers armed can fire them in time.
process.env.TIMER_POLL_MS = '60000';
useTestEnvironment();

describe('resolution timers due before the next poll', () => {
  const calculator = calculatorHarness();
  const { producer, reader } = calculator;

  it('fires the at-risk and deadline timers an alarm armed at their due times, not at the next poll a minute later', async () => {
    const tenant = newTenant();
    await applyDocument(calculator.url, {
      kind: 'SLAPolicy', metadata: { name: 'incident-resolution', tenant },
      spec: { type: 'resolution', services: ['*'], objectives: { critical: '3s' } },
    });
    const raisedAt = new Date();
    await producer.send(alarmRaised({ tenantId: tenant, raisedAt }));

    // Well inside the minute the poller would otherwise sleep.
    const events = await reader.waitFor(tenant, (es) => es.some((e) => e.type === 'sla-breached'), 30_000);
    expect(events.map((e: AnyEvent) => e.type)).toEqual(['sla-at-risk', 'sla-breached']);
    expect(events.map((e) => e.occurredAt)).toEqual([new Date(raisedAt.getTime() + 2_250).toISOString(), new Date(raisedAt.getTime() + 3_000).toISOString()]);
  });
});
