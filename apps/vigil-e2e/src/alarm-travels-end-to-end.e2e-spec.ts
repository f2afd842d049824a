import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DateTime } from 'luxon';
import { eventually, testEnv, uniqueTenant } from '@vigil/testing';
import { ServiceProcesses, repoRoot } from './service-processes';

const run = promisify(execFile);
const env = testEnv();

interface Received { headers: IncomingHttpHeaders; raw: string; body: Record<string, unknown> }

describe('one alarm, end to end through the five real services', () => {
  const tenant = uniqueTenant('e2e');
  const services = new ServiceProcesses({ KAFKA_BROKERS: env.KAFKA_BROKERS, DATABASE_URL: env.DATABASE_URL, VIGIL_HOME: env.VIGIL_HOME });
  const received: Received[] = [];
  let receiver: Server;
  let receiverUrl: string;

  const vigil = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, [join(repoRoot, 'tools/cli/bin/vigil.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...services.cliEnv(), VIGIL_HOME: env.VIGIL_HOME },
    });
    return stdout;
  };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/vigil`;
    await services.startAll();
  });

  afterAll(async () => {
    const exits = await services.stopAll();
    await new Promise((resolve) => receiver.close(resolve));
    // Graceful shutdown: every service exits on its own after SIGTERM.
    expect(exits).toEqual({ 'alarm-ingestion': 0, 'sla-calculator': 0, escalation: 0, notifier: 0, 'reporting-api': 0 });
  });

  it('is recorded, breaches its resolution SLA, escalates, reaches the webhook and shows in the compliance report', async () => {
    const configFile = join(repoRoot, 'tmp', `${tenant}.yaml`);
    writeFileSync(configFile, [
      'apiVersion: vigil/v1', 'kind: Tenant', `metadata: { name: ${tenant} }`, 'spec: { displayName: E2E, timezone: Europe/Berlin }',
      '---', 'apiVersion: vigil/v1', 'kind: SLAPolicy', `metadata: { name: fast-resolution, tenant: ${tenant} }`,
      'spec: { type: resolution, services: ["*"], objectives: { critical: 3s }, atRiskFraction: 0.5 }',
      '---', 'apiVersion: vigil/v1', 'kind: SLAPolicy', `metadata: { name: checkout-availability, tenant: ${tenant} }`,
      'spec: { type: availability, services: [checkout-api], objective: 99.5, window: calendar-month }',
      '---', 'apiVersion: vigil/v1', 'kind: NotificationChannel', `metadata: { name: ops-webhook, tenant: ${tenant} }`,
      `spec: { type: webhook, url: "${receiverUrl}", secret: e2e-secret }`,
      '---', 'apiVersion: vigil/v1', 'kind: EscalationPolicy', `metadata: { name: breach-paging, tenant: ${tenant} }`,
      'spec: { on: [sla-breached], match: { severities: [critical] }, levels: [ { after: 0s, notify: [ops-webhook] } ] }',
      '',
    ].join('\n'));
    const applied = await vigil('apply', '-f', configFile);
    expect(applied).toContain(`tenant/${tenant} created`);
    expect(applied).toContain('slapolicy/fast-resolution created');
    expect(applied).toContain('escalationpolicy/breach-paging created');
    expect(applied).toContain('notificationchannel/ops-webhook created');
    expect(await vigil('apply', '-f', configFile)).not.toMatch(/created|updated/);

    const token = (await vigil('token', 'issue', '--tenant', tenant, '--scopes', 'alarms:write,reports:read')).trim();
    const raisedAt = DateTime.utc().minus({ minutes: 2 }).startOf('second');
    const post = (body: unknown) =>
      fetch(`${services.urlOf('alarm-ingestion')}/api/v1/alarms`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
    const raise = await post({
      alarmId: 'checkout-db-down', serviceId: 'checkout-api', severity: 'critical', status: 'raised',
      summary: 'Checkout database unreachable', source: 'e2e', labels: { team: 'payments' }, occurredAt: raisedAt.toISO(),
    });
    expect(raise.status).toBe(202);

    // Hop by hop: ingestion → sla-calculator (breach timer) → escalation → notifier → webhook.
    const delivery = await eventually('the webhook to receive the escalation', async () => received.find((r) => r.body.type === 'escalation-triggered'), 60_000);
    expect(delivery.body).toMatchObject({
      type: 'escalation-triggered',
      tenantId: tenant,
      escalation: { id: expect.any(String), policy: 'breach-paging', level: 0 },
      alarm: { alarmKey: 'checkout-db-down', serviceId: 'checkout-api', severity: 'critical', summary: 'Checkout database unreachable' },
      reason: expect.objectContaining({ trigger: 'sla-breached' }),
    });
    const expectedSignature = `sha256=${createHmac('sha256', 'e2e-secret').update(delivery.raw).digest('hex')}`;
    expect(delivery.headers['x-vigil-signature']).toBe(expectedSignature);
    expect(delivery.headers['idempotency-key']).toEqual(expect.any(String));
    expect((delivery.body.links as { acknowledge: string }).acknowledge).toContain(`${services.urlOf('escalation')}/api/v1/escalations/`);

    const clearedAt = DateTime.utc().startOf('second');
    const clear = await post({
      alarmId: 'checkout-db-down', serviceId: 'checkout-api', severity: 'critical', status: 'cleared', summary: '', occurredAt: clearedAt.toISO(),
    });
    expect(clear.status).toBe(202);

    // The report: the outage's minutes, split over the tenant's local days it touches.
    const from = raisedAt.setZone('Europe/Berlin').toISODate();
    const report = await eventually('the compliance report to show the outage and the breach', async () => {
      const response = await fetch(`${services.urlOf('reporting-api')}/api/v1/faults/sla/compliance?from_date=${from}&service_id=checkout-api`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await response.json()) as { records: Array<Record<string, number | string>> };
      const records = body.records;
      const downtime = records.reduce((sum, r) => sum + Number(r.downtime_minutes), 0);
      const breaches = records.reduce((sum, r) => sum + Number(r.sla_breaches), 0);
      return Math.abs(downtime - clearedAt.diff(raisedAt, 'minutes').minutes) < 0.02 && breaches >= 1 ? body : undefined;
    }, 30_000);
    const today = report.records.find((r) => r.date === DateTime.now().setZone('Europe/Berlin').startOf('day').toISO({ suppressMilliseconds: true }));
    expect(today).toBeDefined();
    expect(today!.target_percentage).toBe(99.5);
    expect(Number(today!.compliance_percentage)).toBeLessThan(100);
  });
});
