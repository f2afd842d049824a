import { authConfigFromEnv, TokenVerifier } from '@vigil/auth';
import { cliHarness } from '../testing/cli-harness';
import { closedPortUrl, startConfigServer } from '../testing/config-server';

describe('vigil projections rebuild', () => {
  const { state, run } = cliHarness(['projections', 'rebuild']);

  it('asks reporting-api, with an admin token, to rebuild its projection and says what it did', async () => {
    state.server = await startConfigServer(() => ({ status: 200, body: { projection: 'reporting', tables: ['incidents', 'breaches'], events: 1200, skipped: 2, durationMs: 3400 } }));

    const code = await run(['reporting'], { VIGIL_REPORTING_API_URL: state.server!.url });

    expect(state.stderr).toBe('');
    expect(code).toBe(0);
    expect(state.stdout).toBe('reporting rebuilt from 1200 events (2 skipped) into 2 tables in 3.4 s\n');
    const [request] = state.server!.received;
    expect(request).toMatchObject({ method: 'POST', url: '/api/v1/admin/projections/reporting/rebuild' });
    const verifier = await TokenVerifier.create(authConfigFromEnv({ VIGIL_HOME: state.home }));
    await expect(verifier.verify(request.authorization)).resolves.toMatchObject({ tenantId: 'vigil', scopes: ['admin'] });
  });

  it('refuses a projection it does not know, sending nothing', async () => {
    state.server = await startConfigServer(() => ({ status: 200, body: {} }));
    expect(await run(['escalations'], { VIGIL_REPORTING_API_URL: state.server!.url })).toBe(1);
    expect(state.stderr).toBe('vigil: no projection called "escalations"; rebuildable: reporting\n');
    expect(state.server!.received).toEqual([]);
  });

  it('reports a refusal with the service\'s reason and exits 1', async () => {
    state.server = await startConfigServer(() => ({ status: 409, body: { statusCode: 409, message: 'a rebuild of the reporting projection is already running' } }));
    expect(await run(['reporting'], { VIGIL_REPORTING_API_URL: state.server!.url })).toBe(1);
    expect(state.stderr).toBe('vigil: reporting-api refused the rebuild (HTTP 409): a rebuild of the reporting projection is already running\n');
  });

  it('says when the service cannot be reached', async () => {
    const url = await closedPortUrl();
    expect(await run(['reporting'], { VIGIL_REPORTING_API_URL: url })).toBe(1);
    expect(state.stderr).toMatch(new RegExp(`^vigil: cannot reach reporting-api at ${url}/api/v1/admin/projections/reporting/rebuild: `));
  });
});
