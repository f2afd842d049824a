import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { Topics } from '@vigil/contracts';
import { EventCollector } from '@vigil/messaging/testing';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { NotifierTestKit, triggered } from '../src/testing/notifier-test-kit';

const env = testEnv();
const repoRoot = resolve(__dirname, '../../..');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The built notifier (npm test builds first) as a process of its own, ready to serve. */
async function startNotifier(port: number, name: string): Promise<ChildProcess> {
  const logDir = join(repoRoot, 'tmp', 'e2e-logs');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(join(logDir, `notifier-crash-${name}.log`));
  const child = spawn(process.execPath, [join(repoRoot, 'dist/apps/notifier/src/main.js')], {
    cwd: repoRoot,
    env: {
      ...process.env, KAFKA_BROKERS: env.KAFKA_BROKERS, DATABASE_URL: env.DATABASE_URL, VIGIL_HOME: env.VIGIL_HOME,
      PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info',
      // The receiver holds the call; the test, not the timeout, decides when the process dies.
      NOTIFIER_TIMEOUT_MS: '60000', NOTIFIER_DELIVERY_POLL_MS: '100',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  await eventually(`notifier ${name} to be ready`, async () => {
    if (child.exitCode !== null) throw new Error(`notifier ${name} exited with ${child.exitCode}`);
    const response = await fetch(`http://127.0.0.1:${port}/health/readiness`).catch(() => undefined);
    return response?.status === 200;
  }, 90_000, 300);
  return child;
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | string | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code, signal) => r(code ?? signal))));

describe('a notifier killed in the middle of a delivery', () => {
  const kit = new NotifierTestKit(env);
  let collector: EventCollector;
  let db: Client;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    collector = await EventCollector.start(env.KAFKA_BROKERS, [Topics.notificationEvents]);
    await kit.start();
    db = new Client({ connectionString: env.DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await kit.stop();
    await collector?.stop();
    await db?.end();
  });

  it('delivers after a restart, with the same Idempotency-Key, and loses nothing', async () => {
    const tenant = uniqueTenant();
    // The first call is never answered: the process dies holding it.
    const hook = await kit.receiver((n) => (n === 1 ? 'hang' : { status: 200 }));
    const port = await freePort();
    const first = await startNotifier(port, 'first');
    children.push(first);
    await kit.applyChannel(`http://127.0.0.1:${port}`, tenant, 'ops-webhook', { type: 'webhook', url: hook.url });
    const event = triggered(tenant, ['ops-webhook']);

    await kit.produce(event);
    await eventually('the call to reach the receiver', async () => hook.requests.length === 1);
    first.kill('SIGKILL');
    expect(await exitOf(first)).toBe('SIGKILL');

    const { rows } = await db.query(`select status, attempts from notifier.deliveries where tenant_id = $1`, [tenant]);
    expect(rows).toEqual([{ status: 'pending', attempts: 0 }]);

    const second = await startNotifier(port, 'second');
    children.push(second);
    const delivered = await collector.waitForEvent(tenant, 'notification-delivered');
    expect(delivered.data).toMatchObject({ escalationEventId: event.id, channel: 'ops-webhook', statusCode: 200 });
    expect(hook.requests.map((r) => r.headers['idempotency-key'])).toEqual([`${event.id}:ops-webhook`, `${event.id}:ops-webhook`]);
    const after = await db.query(`select status from notifier.deliveries where tenant_id = $1`, [tenant]);
    expect(after.rows).toEqual([{ status: 'delivered' }]);

    second.kill('SIGTERM');
    expect(await exitOf(second)).toBe(0);
    expect(collector.events(tenant, 'notification-delivered')).toHaveLength(1);
  });
});
