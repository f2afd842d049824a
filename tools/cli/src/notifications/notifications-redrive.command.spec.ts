import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { authConfigFromEnv, TokenVerifier } from '@vigil/auth';
import type { CliIo } from '../cli-io';
import { main } from '../main';
import { closedPortUrl, startConfigServer, type ConfigServer } from '../testing/config-server';

describe('vigil notifications redrive', () => {
  let home: string;
  let stdout: string;
  let stderr: string;
  let server: ConfigServer | undefined;

  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'vigil-cli-'));
    stdout = '';
    stderr = '';
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(home, { recursive: true, force: true });
  });

  const io = (env: Record<string, string>): CliIo => ({
    stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), readStdin: async () => '', env: { VIGIL_HOME: home, ...env }, fetch,
  });
  const run = (args: string[], env: Record<string, string> = {}) => main(['node', 'vigil', 'notifications', 'redrive', ...args], io(env));

  const failed = { escalationEventId: '0196a4b0-0000-7000-8000-000000000001', eventType: 'escalation-triggered', channel: 'ops-webhook', failedAt: '2026-11-03T10:00:00.000Z', lastError: 'receiver answered HTTP 503' };

  it('asks the notifier, with an admin token of the tenant, to send the filtered failed deliveries again and lists them', async () => {
    server = await startConfigServer(() => ({ status: 200, body: { dryRun: false, count: 1, deliveries: [failed] } }));

    const code = await run(['--tenant', 'acme', '--channel', 'ops-webhook', '--since', '2026-11-03T00:00:00Z', '--limit', '50'], { VIGIL_NOTIFIER_URL: server.url });

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      `escalation-triggered ${failed.escalationEventId} → ops-webhook (failed 2026-11-03T10:00:00.000Z: receiver answered HTTP 503)\n1 failed delivery sent again\n`,
    );
    const [request] = server.received;
    expect(request).toMatchObject({ method: 'POST', url: '/api/v1/notifications/redrive' });
    expect(request.body).toEqual({ channel: 'ops-webhook', failedSince: '2026-11-03T00:00:00Z', limit: 50, dryRun: false });
    const verifier = await TokenVerifier.create(authConfigFromEnv({ VIGIL_HOME: home }));
    await expect(verifier.verify(request.authorization)).resolves.toMatchObject({ tenantId: 'acme', scopes: ['admin'] });
  });

  it('only lists on a dry run, and says when nothing failed', async () => {
    server = await startConfigServer(() => ({ status: 200, body: { dryRun: true, count: 0, deliveries: [] } }));

    expect(await run(['--tenant', 'acme', '--dry-run'], { VIGIL_NOTIFIER_URL: server.url })).toBe(0);

    expect(server.received[0].body).toEqual({ dryRun: true });
    expect(stdout).toBe('0 failed deliveries would be sent again (dry run)\n');
  });

  it('reports a refusal with the notifier\'s reason and exits 1', async () => {
    server = await startConfigServer(() => ({ status: 400, body: { statusCode: 400, message: ['escalationId must be a UUID'] } }));

    expect(await run(['--tenant', 'acme', '--escalation', 'nope'], { VIGIL_NOTIFIER_URL: server.url })).toBe(1);
    expect(stderr).toBe('vigil: the notifier refused the redrive (HTTP 400): escalationId must be a UUID\n');
  });

  it('needs a tenant unless VIGIL_TOKEN names one, and says when the notifier cannot be reached', async () => {
    expect(await run([])).toBe(1);
    expect(stderr).toMatch(/--tenant is required/);
    stderr = '';
    const nowhere = await closedPortUrl();
    expect(await run([], { VIGIL_TOKEN: 'a.b.c', VIGIL_NOTIFIER_URL: nowhere })).toBe(1);
    expect(stderr).toMatch(/^vigil: cannot reach the notifier at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/notifications\/redrive/);
  });
});
