import { Poller } from './poller';

/** Resolves once `predicate` holds, checking after each turn of the event loop. */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setImmediate(resolve));
}

/** A pass whose calls are recorded per lane; each call finds work while `work` has some left. */
function recordingPass() {
  const calls: number[] = [];
  const state = { work: 0, calls, fail: false };
  const pass = async (lane: number) => {
    calls.push(lane);
    if (state.fail) throw new Error('database away');
    if (state.work === 0) return false;
    state.work -= 1;
    return true;
  };
  return { state, pass };
}

// Idle sleeps of an hour: anything that happens in these tests was caused by work or a kick.
const HOUR = 3_600_000;

describe('Poller', () => {
  it('goes round again at once while a pass finds work, then sleeps', async () => {
    const { state, pass } = recordingPass();
    state.work = 3;
    const poller = new Poller(pass, { idleMs: HOUR });
    poller.start();
    await until(() => state.calls.length === 4);
    expect(poller.nextPollAt).toBeDefined();
    await poller.stop();
    expect(state.calls).toEqual([0, 0, 0, 0]);
  });

  it('wakes an idle lane when kicked', async () => {
    const { state, pass } = recordingPass();
    const poller = new Poller(pass, { idleMs: HOUR });
    poller.start();
    await until(() => poller.nextPollAt !== undefined);
    state.work = 1;
    poller.kick();
    await until(() => state.calls.length === 3);
    await poller.stop();
    expect(state.work).toBe(0);
  });

  it('looks again after a pass that was kicked while it ran, since the pass may have read before the commit', async () => {
    let release!: () => void;
    let calls = 0;
    const poller = new Poller(async () => {
      calls += 1;
      if (calls === 1) await new Promise<void>((resolve) => (release = resolve));
      return false;
    }, { idleMs: HOUR });
    poller.start();
    await until(() => calls === 1 && release !== undefined);
    poller.kick();
    release();
    await until(() => calls === 2 && poller.nextPollAt !== undefined);
    await poller.stop();
    expect(calls).toBe(2);
  });

  it('with kicks for the first lane only, a kick wakes that lane, and its work wakes the others', async () => {
    const { state, pass } = recordingPass();
    const poller = new Poller(pass, { lanes: 3, idleMs: HOUR, kick: 'first', wakeOthersOnWork: true });
    poller.start();
    await until(() => state.calls.length === 3);
    state.calls.length = 0;
    poller.kick();
    await until(() => state.calls.length === 1);
    // Nothing was due: the other lanes slept on.
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.calls).toEqual([0]);

    state.work = 1;
    poller.kick();
    await until(() => state.calls.includes(1) && state.calls.includes(2));
    await poller.stop();
    expect(state.work).toBe(0);
  });

  it('after a failure waits as failureWait says, counting failures until a pass succeeds', async () => {
    const { state, pass } = recordingPass();
    state.fail = true;
    const waits: number[] = [];
    const errors: number[] = [];
    const poller = new Poller(pass, {
      idleMs: HOUR,
      failureWait: (failures) => {
        waits.push(failures);
        return failures < 3 ? 0 : HOUR;
      },
      onError: (_error, _lane, failures) => errors.push(failures),
    });
    poller.start();
    await until(() => waits.length === 3);
    expect(poller.failures).toBe(3);
    expect(poller.lastError?.message).toBe('database away');
    expect(errors).toEqual([1, 2, 3]);

    state.fail = false;
    poller.kick();
    await until(() => poller.failures === 0);
    await poller.stop();
    expect(poller.lastError).toBeUndefined();
  });

  it('waits before its first pass when asked to, and a kick ends that wait', async () => {
    const { state, pass } = recordingPass();
    const poller = new Poller(pass, { idleMs: HOUR });
    poller.start(HOUR);
    await until(() => poller.nextPollAt !== undefined);
    expect(state.calls).toEqual([]);
    poller.kick();
    await until(() => state.calls.length === 1);
    await poller.stop();
    expect(state.calls).toEqual([0]);
  });

  it('stops only once the pass in hand has finished', async () => {
    let release!: () => void;
    let finished = false;
    const poller = new Poller(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      finished = true;
      return true;
    }, { idleMs: HOUR });
    poller.start();
    await until(() => release !== undefined);
    const stopped = poller.stop();
    release();
    await stopped;
    expect(finished).toBe(true);
  });
});
