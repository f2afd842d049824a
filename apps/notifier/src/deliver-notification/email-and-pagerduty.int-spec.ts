import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { Topics, type NotificationChannelSpec } from '@vigil/contracts';
import { EventCollector } from '@vigil/messaging/testing';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from '../app.module';
import { acknowledgedAfter, resolvedAfter, triggered, useNotifier } from '../testing/notifier-test-kit';

testEnv();
Object.assign(process.env, { NOTIFIER_RETRY_INITIAL_MS: '50', NOTIFIER_RETRY_MAX_MS: '200', NOTIFIER_RETRY_ATTEMPTS: '3' });

interface Mail { from: string; to: string[]; user?: string; raw: string }

/** An SMTP server on 127.0.0.1 (plain, with login) that keeps every mail it accepts. */
async function startSmtpServer(options: Partial<SMTPServerOptions> = {}) {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === 'vigil' && auth.password === 's3cret-pass') callback(null, { user: 'vigil' });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8').replace(/\r\n[ \t]+/g, ' '),
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const header = (raw: string, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(raw)?.[1]?.trim();

describe('notifier mailing through SMTP and paging PagerDuty, against real Kafka and PostgreSQL', () => {
  const harness = useNotifier(AppModule);
  const { kit } = harness;
  let base: string;
  let collector: EventCollector;
  const servers: Array<{ close: () => Promise<void> }> = [];
  beforeAll(() => ({ base, collector } = harness));
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  const smtp = async (options?: Partial<SMTPServerOptions>) => {
    const server = await startSmtpServer(options);
    servers.push(server);
    return server;
  };
  const applyChannel = (tenantId: string, name: string, spec: NotificationChannelSpec) => kit.applyChannel(base, tenantId, name, spec);
  const mailChannel = (port: number, pass = 's3cret-pass'): NotificationChannelSpec => ({
    type: 'email', host: '127.0.0.1', port, auth: { user: 'vigil', pass }, from: 'Vigil <vigil@example.com>', to: ['oncall@example.com', 'lead@example.com'],
  });

  it('mails a page through the channel\'s SMTP server after logging in, then mails the acknowledgement and the resolution', async () => {
    const tenant = uniqueTenant();
    const server = await smtp();
    await applyChannel(tenant, 'ops-mail', mailChannel(server.port));
    const trigger = triggered(tenant, ['ops-mail']);

    await kit.produce(trigger, acknowledgedAfter(trigger, 'ada'), resolvedAfter(trigger));

    await eventually('three mails delivered', async () => collector.events(tenant, 'notification-delivered').length === 3);
    expect(collector.events(tenant, 'notification-delivered')[0].data).toMatchObject({ channel: 'ops-mail', channelType: 'email', attempts: 1, statusCode: 250 });
    expect(server.mails).toHaveLength(3);
    const [page, ack, resolved] = server.mails;
    expect(page).toMatchObject({ from: 'vigil@example.com', to: ['oncall@example.com', 'lead@example.com'], user: 'vigil' });
    expect(header(page.raw, 'Subject')).toBe('[CRITICAL] checkout-api: Primary DB unreachable (level 1, round 0)');
    expect(header(page.raw, 'X-Vigil-Idempotency-Key')).toBe(`${trigger.id}:ops-mail`);
    expect(page.raw).toContain(`/api/v1/escalations/${trigger.data.escalationId}/acknowledge`);
    expect(header(ack.raw, 'Subject')).toBe('Acknowledged by ada: [CRITICAL] checkout-api: Primary DB unreachable');
    expect(header(resolved.raw, 'Subject')).toBe('Resolved: [CRITICAL] checkout-api: Primary DB unreachable');
    expect(header(resolved.raw, 'References')).toBe(`<${trigger.data.escalationId}@vigil>`);
  });

  it('retries a mail the server defers with a 4xx, under the same Message-ID', async () => {
    const tenant = uniqueTenant();
    let refusals = 0;
    const server = await smtp({
      onMailFrom(_address, _session, callback) {
        if (refusals++ < 1) callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
        else callback();
      },
    });
    await applyChannel(tenant, 'ops-mail', mailChannel(server.port));

    await kit.produce(triggered(tenant, ['ops-mail']));

    const delivered = await collector.waitForEvent(tenant, 'notification-delivered');
    expect(delivered.data).toMatchObject({ attempts: 2, statusCode: 250 });
    expect(server.mails).toHaveLength(1);
  });

  it('does not retry a refused login and keeps the password out of the event and the dead letter', async () => {
    const tenant = uniqueTenant();
    const server = await smtp();
    await applyChannel(tenant, 'ops-mail', mailChannel(server.port, 'wrong-password-123'));

    await kit.produce(triggered(tenant, ['ops-mail']));

    const failed = await collector.waitForEvent(tenant, 'notification-failed');
    expect(failed.data).toMatchObject({ channel: 'ops-mail', channelType: 'email', attempts: 1, statusCode: 535 });
    expect(failed.data.reason).toMatch(/^SMTP server answered 535/);
    const dead = await eventually('the dead letter', async () =>
      collector.messages.find((m) => m.topic === Topics.notificationDeadLetters && (m.value as { tenantId?: string }).tenantId === tenant));
    expect(JSON.stringify(failed)).not.toContain('wrong-password-123');
    expect(JSON.stringify(dead)).not.toContain('wrong-password-123');
    expect(server.mails).toHaveLength(0);
  });

  it('triggers, acknowledges and resolves one PagerDuty incident keyed by the escalation', async () => {
    const tenant = uniqueTenant();
    const pagerduty = await kit.receiver(() => ({ status: 202, headers: { 'content-type': 'application/json' } }));
    await applyChannel(tenant, 'pd', { type: 'pagerduty', routingKey: 'R0UT1NGKEY0000000000000000000000', url: pagerduty.url });
    const trigger = triggered(tenant, ['pd']);

    await kit.produce(trigger, acknowledgedAfter(trigger), resolvedAfter(trigger));

    await eventually('three deliveries to PagerDuty', async () => collector.events(tenant, 'notification-delivered').length === 3);
    expect(pagerduty.requests.map((r) => [r.body.event_action, r.body.dedup_key, r.body.routing_key])).toEqual([
      ['trigger', trigger.data.escalationId, 'R0UT1NGKEY0000000000000000000000'],
      ['acknowledge', trigger.data.escalationId, 'R0UT1NGKEY0000000000000000000000'],
      ['resolve', trigger.data.escalationId, 'R0UT1NGKEY0000000000000000000000'],
    ]);
    expect(pagerduty.requests[0].body).toMatchObject({
      payload: { summary: '[CRITICAL] checkout-api: Primary DB unreachable', source: 'checkout-api', severity: 'critical', class: 'sla-breached' },
    });
    expect(collector.events(tenant, 'notification-delivered').map((e) => e.data.channelType)).toEqual(['pagerduty', 'pagerduty', 'pagerduty']);
  });
});
