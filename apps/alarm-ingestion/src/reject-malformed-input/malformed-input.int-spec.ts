import type { INestApplication } from '@nestjs/common';
import { isISO8601 } from 'class-validator';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { Severities } from '@vigil/contracts';
import { issueToken } from '@vigil/auth';
import { startTestApp } from '@vigil/platform-nest/testing';
import { testEnv, uniqueTenant } from '@vigil/testing';
import { AppModule } from '../app.module';
import { alertmanagerPayload } from '../receive-alertmanager-webhook/alertmanager-payload.fixture';

const env = testEnv();
const RUNS = 60;

/** Removes the field instead of setting it. */
const MISSING = Symbol('missing');
type Mutation = { path: string; value: unknown };

const field = (path: string, ...values: Array<fc.Arbitrary<unknown>>): fc.Arbitrary<Mutation> =>
  fc.oneof(...values).map((value) => ({ path, value }));
const missing = fc.constant(MISSING);
const notIso = fc.string().filter((s) => !isISO8601(s, { strict: true }));
const notIn = (allowed: readonly string[]) => fc.string().filter((s) => !allowed.includes(s));
const future = fc.constant('2099-01-01T00:00:00Z');
const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }));
const notStringMap = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant([]), fc.constant({ n: 1 }), fc.constant({ nested: { a: 'b' } }));

/** 1 to 3 mutations of distinct fields, none inside another (so every one of them lands). */
function mutationsOf(fields: Array<fc.Arbitrary<Mutation>>): fc.Arbitrary<Mutation[]> {
  return fc.uniqueArray(fc.oneof(...fields), { minLength: 1, maxLength: 3, selector: (m) => m.path })
    .filter((ms) => !ms.some((a) => ms.some((b) => a !== b && b.path.startsWith(`${a.path}.`))));
}

function mutate(body: unknown, mutations: Mutation[], prefix = ''): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  for (const { path, value } of mutations) {
    const keys = path.slice(prefix.length).split('.');
    let target = copy as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
    const last = keys[keys.length - 1];
    if (value === MISSING) delete target[last];
    else target[last] = value;
  }
  return copy;
}

const nativeAlarm = () => ({
  alarmId: 'db-down', serviceId: 'checkout-api', severity: 'critical', status: 'raised', summary: 'Primary DB unreachable',
  source: 'prometheus', labels: { team: 'payments' }, occurredAt: '2026-11-03T10:00:00Z',
});
const nativeFields = (p: string) => [
  field(`${p}alarmId`, missing, notString, fc.constant(''), fc.constant('x'.repeat(513))),
  field(`${p}serviceId`, missing, notString, fc.constant(''), fc.constant('x'.repeat(257))),
  field(`${p}severity`, missing, notIn(Severities), fc.integer()),
  field(`${p}status`, missing, notIn(['raised', 'cleared']), fc.boolean()),
  field(`${p}summary`, missing, fc.integer(), fc.constant(null), fc.constant('x'.repeat(1025))),
  field(`${p}occurredAt`, missing, notIso, fc.integer(), future),
  field(`${p}labels`, notStringMap.filter((v) => v !== null)),
  field(`${p}resolution`, notIn(['resolved', 'cancelled']), fc.constant('resolved')),
  field(`${p}source`, fc.integer(), fc.constant('x'.repeat(257))),
];

const alertFields = (i: number) => [
  field(`alerts.${i}`, fc.string(), fc.integer(), fc.constant(null)),
  field(`alerts.${i}.status`, missing, notIn(['firing', 'resolved'])),
  field(`alerts.${i}.labels`, missing, notStringMap),
  field(`alerts.${i}.annotations`, notStringMap.filter((v) => v !== null)),
  field(`alerts.${i}.startsAt`, missing, notIso, fc.integer(), future, fc.constant('0001-01-01T00:00:00Z')),
  field(`alerts.${i}.fingerprint`, missing, notString, fc.constant(''), fc.constant('f'.repeat(513))),
  field(`alerts.${i}.generatorURL`, fc.integer(), fc.constant({})),
];
const alertmanagerFields = [
  field('version', missing, fc.constantFrom('3', '5', '', '4.0'), fc.integer(), fc.constant(null)),
  field('status', missing, notIn(['firing', 'resolved'])),
  field('alerts', missing, fc.string(), fc.constant({}), fc.constant(null)),
  field('truncatedAlerts', fc.constant(-1), fc.constant(1.5), fc.string()),
  field('receiver', fc.integer(), fc.constant({})),
  field('groupKey', fc.integer()),
  field('externalURL', fc.integer()),
  field('groupLabels', notStringMap.filter((v) => v !== null)),
  field('commonLabels', notStringMap.filter((v) => v !== null)),
  field('commonAnnotations', notStringMap.filter((v) => v !== null)),
  ...alertFields(0),
  ...alertFields(1),
  // Only the resolved alert's end counts: a firing alert's endsAt is not read, but it must still be a time.
  field('alerts.1.endsAt', notIso, future, fc.constant('2026-11-03T07:00:00Z')),
  field('alerts.0.endsAt', notIso),
];

const pagerDutyTrigger = () => ({
  routing_key: 'R0123456789abcdef0123456789abcde', event_action: 'trigger', dedup_key: 'orders-db/lag', client: 'Grafana', client_url: 'https://grafana.example.com',
  payload: { summary: 'Replication lag', source: 'db-7', severity: 'critical', timestamp: '2026-11-03T10:00:00Z', component: 'orders-db', group: 'prod', class: 'lag', custom_details: { lag: '31s' } },
  links: [{ href: 'https://runbooks.example.com/lag', text: 'Runbook' }],
  images: [{ src: 'https://grafana.example.com/lag.png' }],
});
const pagerDutyTriggerFields = [
  field('event_action', missing, notIn(['trigger', 'acknowledge', 'resolve']), fc.integer()),
  field('routing_key', fc.integer(), fc.constant({})),
  field('dedup_key', notString.filter((v) => v !== null), fc.constant(''), fc.constant('k'.repeat(256))),
  field('payload', missing, fc.string(), fc.integer(), fc.constant(null)),
  field('payload.summary', missing, fc.constant(''), fc.integer(), fc.constant('s'.repeat(1025))),
  field('payload.source', missing, fc.constant(''), fc.integer()),
  field('payload.severity', missing, notIn(['critical', 'error', 'warning', 'info']), fc.integer()),
  field('payload.timestamp', notIso, fc.integer(), future),
  field('payload.component', fc.integer(), fc.constant({}), fc.constant('c'.repeat(257))),
  field('payload.group', fc.integer()),
  field('payload.class', fc.integer()),
  field('client', fc.integer()),
  field('client_url', fc.integer()),
  field('links', fc.string(), fc.constant([{ text: 'no href' }]), fc.constant([5])),
  field('images', fc.string(), fc.constant([{ alt: 'no src' }]), fc.constant([null])),
];
const pagerDutyFollowUp = () => ({ routing_key: 'R0123456789abcdef0123456789abcde', event_action: 'resolve', dedup_key: 'orders-db/lag', payload: { timestamp: '2026-11-03T10:30:00Z' } });
const pagerDutyFollowUpFields = [
  field('dedup_key', missing, notString.filter((v) => v !== null), fc.constant('')),
  field('payload', fc.string(), fc.integer()),
  field('payload.timestamp', notIso, future),
];

/** JSON that is not an object, or an object of made-up fields: nothing any format accepts. */
const garbage = fc.oneof(
  fc.jsonValue().filter((v) => Array.isArray(v)),
  fc.dictionary(fc.string({ minLength: 1 }).filter((k) => !['__proto__', 'constructor'].includes(k)), fc.jsonValue(), { minKeys: 0, maxKeys: 4 }),
);
/** Bytes the JSON body parser refuses: not JSON, or a JSON scalar (the parser is strict). */
const notJsonObject = fc.oneof(
  fc.string().filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return s.trim().length > 0;
    }
  }),
  fc.jsonValue().filter((v) => typeof v !== 'object' || v === null).map((v) => JSON.stringify(v)),
);

/** The fields an answer names: Vigil's `errors[].field`, PagerDuty's `errors[]` ("field: why"), or `message` ("field: why"). */
function namedFields(body: { errors?: unknown; message?: unknown }): string[] {
  const fromErrors = Array.isArray(body.errors)
    ? body.errors.map((e) => (typeof e === 'string' ? e.split(': ')[0] : (e as { field?: string }).field ?? ''))
    : [];
  const fromMessage = typeof body.message === 'string' && /^[\w.-]+: /.test(body.message) ? [body.message.split(': ')[0]] : [];
  return [...fromErrors, ...fromMessage].filter((f) => f.length > 0);
}

const related = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

describe('malformed bodies at every HTTP format (property-based, against real PostgreSQL and Kafka)', () => {
  let app: INestApplication;
  let base: string;
  let dataSource: DataSource;
  const tenant = uniqueTenant();
  let token: string;

  beforeAll(async () => {
    ({ app, url: base, dataSource } = await startTestApp(AppModule));
    token = await issueToken({ tenantId: tenant, scopes: ['alarms:write'], home: env.VIGIL_HOME });
  });

  afterAll(async () => {
    await app.close();
  });

  const post = async (path: string, body: unknown, raw = false) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { errors?: unknown; message?: unknown } };
  };

  /** Every answer is a 4xx naming a field; when fields were broken on purpose, it names one of them. */
  const expectRejected = async (path: string, body: unknown, broken: string[] = [], raw = false) => {
    const answer = await post(path, body, raw);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    const named = namedFields(answer.body);
    expect(named.length).toBeGreaterThan(0);
    if (broken.length > 0 && !named.some((n) => broken.some((b) => related(n, b)))) {
      throw new Error(`answer ${JSON.stringify(answer.body)} names none of the broken fields ${broken.join(', ')}`);
    }
  };

  const formats: Array<{ name: string; path: string; valid: () => unknown; fields: Array<fc.Arbitrary<Mutation>>; prefix?: string; wrap?: (b: unknown) => unknown }> = [
    { name: 'native POST /api/v1/alarms', path: '/api/v1/alarms', valid: nativeAlarm, fields: nativeFields('') },
    { name: 'native batch', path: '/api/v1/alarms', valid: nativeAlarm, fields: nativeFields('alarms.1.'), prefix: 'alarms.1.', wrap: (b) => ({ alarms: [nativeAlarm(), b] }) },
    { name: 'Alertmanager webhook', path: '/api/v1/integrations/alertmanager', valid: alertmanagerPayload, fields: alertmanagerFields },
    { name: 'PagerDuty trigger', path: '/api/v1/integrations/pagerduty/enqueue', valid: pagerDutyTrigger, fields: pagerDutyTriggerFields },
    { name: 'PagerDuty resolve', path: '/api/v1/integrations/pagerduty/enqueue', valid: pagerDutyFollowUp, fields: pagerDutyFollowUpFields },
  ];

  it.each(formats)('$name: a body with broken fields gets a 4xx naming one of them', async ({ path, valid, fields, prefix = '', wrap = (b) => b }) => {
    await fc.assert(
      fc.asyncProperty(mutationsOf(fields), async (mutations) => {
        await expectRejected(path, wrap(mutate(valid(), mutations, prefix)), mutations.map((m) => m.path));
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['/api/v1/alarms'], ['/api/v1/integrations/alertmanager'], ['/api/v1/integrations/pagerduty/enqueue'],
  ])('%s: a body that is not the format at all gets a 4xx naming a field', async (path) => {
    await fc.assert(fc.asyncProperty(garbage, async (body) => expectRejected(path, body)), { numRuns: RUNS });
  });

  it.each([
    ['/api/v1/alarms'], ['/api/v1/integrations/alertmanager'], ['/api/v1/integrations/pagerduty/enqueue'],
  ])('%s: bytes that are not a JSON object get a 400', async (path) => {
    await fc.assert(fc.asyncProperty(notJsonObject, async (text) => expectRejected(path, text, [], true)), { numRuns: RUNS / 2 });
  });

  it('stores nothing of any rejected request, and still accepts each format once the body is right', async () => {
    const [{ n }] = await dataSource.query('select count(*)::int as n from ingestion.events where tenant_id = $1', [tenant]);
    expect(n).toBe(0);
    for (const { path, valid, wrap = (b: unknown) => b } of formats) {
      expect((await post(path, wrap(valid()))).status).toBe(202);
    }
  });
});
