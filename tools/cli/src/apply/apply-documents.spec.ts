import { ServiceNames, type ConfigDocument, type ServiceName } from '@vigil/contracts';
import { closedPortUrl, startConfigServer, type ConfigServer } from '../testing/config-server';
import { applyDocuments, type ApplyOptions } from './apply-documents';
import type { ValidDocument } from './validate-documents';

const tenant: ConfigDocument = { apiVersion: 'vigil/v1', kind: 'Tenant', metadata: { name: 'acme' }, spec: { timezone: 'Europe/Berlin' } };
const credits: ConfigDocument = {
  apiVersion: 'vigil/v1',
  kind: 'CreditSchedule',
  metadata: { name: 'standard', tenant: 'acme' },
  spec: { tiers: [{ below: 99.9, credit: 10 }] },
};
const channel: ConfigDocument = {
  apiVersion: 'vigil/v1',
  kind: 'NotificationChannel',
  metadata: { name: 'ops-webhook', tenant: 'acme' },
  spec: { type: 'webhook', url: 'https://hooks.example.com/vigil' },
};
const docs = (...list: ConfigDocument[]): ValidDocument[] => list.map((doc, i) => ({ source: 'acme.yaml', index: i + 1, doc }));

function everyServiceAt(url: string): Record<ServiceName, string> {
  return Object.fromEntries(ServiceNames.map((service) => [service, url])) as Record<ServiceName, string>;
}

describe('applyDocuments', () => {
  let servers: ConfigServer[] = [];
  let out: string[];
  let err: string[];

  beforeEach(() => {
    out = [];
    err = [];
  });

  afterEach(async () => {
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
  });

  async function server(answer: Parameters<typeof startConfigServer>[0]): Promise<ConfigServer> {
    const started = await startConfigServer(answer);
    servers.push(started);
    return started;
  }

  const options = (baseUrls: Record<ServiceName, string>, extra: Partial<ApplyOptions> = {}): ApplyOptions => ({
    fetch,
    baseUrls,
    tokenFor: async (t) => `token-for-${t}`,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    ...extra,
  });

  it('posts each document to its owning service in order and prints its result', async () => {
    const ingestion = await server(() => ({ status: 200, body: { kind: 'Tenant', name: 'acme', tenant: 'acme', result: 'created', generation: 1 } }));
    const calculator = await server(() => ({ status: 200, body: { kind: 'CreditSchedule', name: 'standard', tenant: 'acme', result: 'unchanged', generation: 3 } }));
    const baseUrls = { ...everyServiceAt('http://127.0.0.1:1'), 'alarm-ingestion': ingestion.url, 'sla-calculator': `${calculator.url}` };

    const summary = await applyDocuments(docs(tenant, credits), options(baseUrls));

    expect(summary).toEqual({ applied: 2, failed: 0 });
    expect(out).toEqual(['tenant/acme created', 'creditschedule/standard unchanged']);
    expect(err).toEqual([]);
    expect(ingestion.received).toEqual([{ method: 'POST', url: '/api/v1/config/apply', authorization: 'Bearer token-for-acme', body: tenant }]);
    expect(calculator.received).toEqual([{ method: 'POST', url: '/api/v1/config/apply', authorization: 'Bearer token-for-acme', body: credits }]);
  });

  it('reports a refusal with its status and message, carries on, and counts the failure', async () => {
    const all = await server(({ body }) =>
      (body as ConfigDocument).kind === 'CreditSchedule'
        ? { status: 400, body: { statusCode: 400, message: ['spec.tiers.0.below: must be above the next tier'], error: 'Bad Request' } }
        : { status: 201, body: { result: 'updated' } },
    );

    const summary = await applyDocuments(docs(tenant, credits, channel), options(everyServiceAt(all.url)));

    expect(summary).toEqual({ applied: 2, failed: 1 });
    expect(out).toEqual(['tenant/acme updated', 'notificationchannel/ops-webhook updated']);
    expect(err).toEqual(['creditschedule/standard: sla-calculator answered 400: spec.tiers.0.below: must be above the next tier']);
  });

  it('says which service is unreachable at which URL, and does not try it again', async () => {
    const nowhere = await closedPortUrl();
    const ingestion = await server(() => ({ status: 200, body: { result: 'unchanged' } }));
    const baseUrls = { ...everyServiceAt(ingestion.url), 'sla-calculator': nowhere };

    const summary = await applyDocuments(docs(credits, tenant, { ...credits, metadata: { name: 'gold', tenant: 'acme' } }), options(baseUrls));

    expect(summary).toEqual({ applied: 1, failed: 2 });
    expect(out).toEqual(['tenant/acme unchanged']);
    expect(err).toEqual([
      `creditschedule/standard: sla-calculator is unreachable at ${nowhere} (connection refused); is it running? VIGIL_SLA_CALCULATOR_URL sets its address`,
      'creditschedule/gold: not sent, sla-calculator is unreachable',
    ]);
  });

  it('treats a success without a result as a failure', async () => {
    const all = await server(() => ({ status: 200, body: 'OK' }));
    const summary = await applyDocuments(docs(tenant), options(everyServiceAt(all.url)));
    expect(summary.failed).toBe(1);
    expect(err).toEqual(['tenant/acme: alarm-ingestion answered 200 without a result (created, updated or unchanged): OK']);
  });

  it('sends nothing on a dry run', async () => {
    const all = await server(() => ({ status: 200, body: { result: 'created' } }));
    const summary = await applyDocuments(docs(tenant, channel), options(everyServiceAt(all.url), { dryRun: true }));
    expect(summary).toEqual({ applied: 0, failed: 0 });
    expect(all.received).toEqual([]);
    expect(out).toEqual(['tenant/acme valid (dry run, not sent to alarm-ingestion)', 'notificationchannel/ops-webhook valid (dry run, not sent to notifier)']);
  });
});
