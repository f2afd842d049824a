import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { issueToken } from './issue-token';
import type { Scope } from './scopes';

describe('issueToken', () => {
  let home: string;

  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'vigil-auth-'));
  });

  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('carries the tenant, space-separated scopes, issuer, audience and lifetime', async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await issueToken({ tenantId: 'acme', scopes: ['reports:read', 'admin'], subject: 'ci', ttlSeconds: 600, home });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: 'vigil', aud: 'vigil', sub: 'ci', tenant: 'acme', scope: 'reports:read admin' });
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', typ: 'JWT' });
  });

  it('refuses unknown scopes and names them', async () => {
    await expect(issueToken({ tenantId: 'acme', scopes: ['admin', 'alarms:delete', 'root'] as Scope[], home })).rejects.toThrow(
      /alarms:delete, root/,
    );
  });

  it('refuses an empty tenant and a non-positive lifetime', async () => {
    await expect(issueToken({ tenantId: ' ', scopes: ['admin'], home })).rejects.toThrow(/tenant/);
    await expect(issueToken({ tenantId: 'acme', scopes: ['admin'], ttlSeconds: 0, home })).rejects.toThrow(/lifetime/);
  });
});
