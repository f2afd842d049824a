import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { authConfigFromEnv, TokenVerifier } from '@vigil/auth';
import type { CliIo } from './cli-io';
import { main } from './main';
import { startConfigServer, type ConfigServer } from './testing/config-server';

describe('vigil', () => {
  let home: string;
  let stdout: string;
  let stderr: string;
  let servers: ConfigServer[];

  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'vigil-cli-'));
    stdout = '';
    stderr = '';
    servers = [];
  });

  afterEach(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await rm(home, { recursive: true, force: true });
  });

  function io(env: Record<string, string> = {}, stdin = ''): CliIo {
    return {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      readStdin: async () => stdin,
      env: { VIGIL_HOME: home, ...env },
      fetch,
    };
  }

  const run = (args: string[], env?: Record<string, string>, stdin?: string) => main(['node', 'vigil', ...args], io(env, stdin));

  /** One server standing in for all five services, answering like an owner that stores everything. */
  async function services(): Promise<{ server: ConfigServer; env: Record<string, string> }> {
    const server = await startConfigServer(() => ({ status: 200, body: { result: 'created' } }));
    servers.push(server);
    const env = Object.fromEntries(
      ['ALARM_INGESTION', 'SLA_CALCULATOR', 'ESCALATION', 'NOTIFIER', 'REPORTING_API'].map((name) => [`VIGIL_${name}_URL`, server.url]),
    );
    return { server, env };
  }

  describe('token issue', () => {
    it('prints only a token that the services accept', async () => {
      const code = await run(['token', 'issue', '--tenant', 'acme', '--scopes', 'alarms:write,reports:read', '--subject', 'ci', '--ttl', '12h']);

      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const verifier = await TokenVerifier.create(authConfigFromEnv({ VIGIL_HOME: home }));
      await expect(verifier.verify(stdout.trim())).resolves.toEqual({ subject: 'ci', tenantId: 'acme', scopes: ['alarms:write', 'reports:read'] });
    });

    it('names unknown scopes and prints nothing on standard output', async () => {
      const code = await run(['token', 'issue', '--tenant', 'acme', '--scopes', 'admin,alarms:read']);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/unknown scope alarms:read/);
    });

    it('refuses a lifetime it cannot read', async () => {
      expect(await run(['token', 'issue', '--tenant', 'acme', '--scopes', 'admin', '--ttl', 'forever'])).toBe(1);
      expect(stderr).toMatch(/--ttl/);
    });
  });

  describe('apply', () => {
    const tenantYaml = 'apiVersion: vigil/v1\nkind: Tenant\nmetadata: { name: acme }\nspec: { timezone: Europe/Berlin }\n';
    const channelYaml =
      'apiVersion: vigil/v1\nkind: NotificationChannel\nmetadata: { name: ops, tenant: acme }\nspec: { type: webhook, url: "https://hooks.example.com/x" }\n';

    it('applies the documents of several files and standard input, signing an admin token for the tenant', async () => {
      const { server, env } = await services();
      const first = path.join(home, 'tenant.yaml');
      await writeFile(first, tenantYaml);

      const code = await run(['apply', '-f', first, '-f', '-'], env, channelYaml);

      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toBe('tenant/acme created\nnotificationchannel/ops created\n');
      expect(server.received.map((r) => (r.body as { kind: string }).kind)).toEqual(['Tenant', 'NotificationChannel']);
      const verifier = await TokenVerifier.create(authConfigFromEnv({ VIGIL_HOME: home }));
      await expect(verifier.verify(server.received[0].authorization)).resolves.toMatchObject({ tenantId: 'acme', scopes: ['admin'] });
    });

    it('sends VIGIL_TOKEN when it is set', async () => {
      const { server, env } = await services();
      expect(await run(['apply', '-f', '-'], { ...env, VIGIL_TOKEN: 'from-my-idp' }, tenantYaml)).toBe(0);
      expect(server.received[0].authorization).toBe('Bearer from-my-idp');
    });

    it('sends nothing when any document is invalid', async () => {
      const { server, env } = await services();
      const broken = channelYaml.replace('type: webhook', 'type: carrier-pigeon');

      const code = await run(['apply', '-f', '-'], env, `${tenantYaml}---\n${broken}`);

      expect(code).toBe(1);
      expect(server.received).toEqual([]);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^<stdin>: notificationchannel\/ops: spec\.type: /m);
      expect(stderr).toMatch(/nothing applied/);
    });

    it('exits 1 after trying everything when a service refuses a document', async () => {
      const server = await startConfigServer(({ body }) =>
        (body as { kind: string }).kind === 'Tenant' ? { status: 403, body: { statusCode: 403, message: 'token tenant does not match' } } : { status: 200, body: { result: 'unchanged' } },
      );
      servers.push(server);

      const code = await run(['apply', '-f', '-'], { VIGIL_ALARM_INGESTION_URL: server.url, VIGIL_NOTIFIER_URL: server.url }, `${tenantYaml}---\n${channelYaml}`);

      expect(code).toBe(1);
      expect(stdout).toBe('notificationchannel/ops unchanged\n');
      expect(stderr).toMatch(/^tenant\/acme: alarm-ingestion answered 403: token tenant does not match$/m);
    });

    it('requires -f', async () => {
      expect(await run(['apply'])).toBe(1);
      expect(stderr).toMatch(/--filename/);
    });
  });
});
