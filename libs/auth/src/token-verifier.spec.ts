import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';
import type { AuthConfig } from './auth-config';
import { issueToken } from './issue-token';
import { ensureLocalKeyPair } from './local-key-pair';
import { TokenVerifier } from './token-verifier';
import { UnauthorizedError } from './unauthorized.errors';

describe('TokenVerifier', () => {
  let home: string;
  let config: AuthConfig;
  let verifier: TokenVerifier;

  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'vigil-auth-'));
    config = { keys: { kind: 'local', home }, issuer: 'vigil', audience: 'vigil' };
    verifier = await TokenVerifier.create(config);
  });

  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  async function signed(claims: JWTPayload, privateKeyPem?: string): Promise<string> {
    const key = createPrivateKey(privateKeyPem ?? (await ensureLocalKeyPair(home)).privateKeyPem);
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(key);
  }

  const now = () => Math.floor(Date.now() / 1000);
  const valid = (): JWTPayload => ({ iss: 'vigil', aud: 'vigil', sub: 'ops', tenant: 'acme', scope: 'admin', iat: now(), exp: now() + 60 });

  async function rejection(token: string | undefined): Promise<string> {
    const error: unknown = await verifier.verify(token).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnauthorizedError);
    return (error as Error).message;
  }

  it('accepts a token it issued and returns its principal', async () => {
    const token = await issueToken({ tenantId: 'acme', scopes: ['alarms:write', 'reports:read'], subject: 'monitor-1', home });
    await expect(verifier.verify(token)).resolves.toEqual({ subject: 'monitor-1', tenantId: 'acme', scopes: ['alarms:write', 'reports:read'] });
  });

  it('remembers a verified token only until it expires', async () => {
    const token = await signed({ ...valid(), exp: now() + 60 });
    await expect(verifier.verify(token)).resolves.toMatchObject({ tenantId: 'acme' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ tenantId: 'acme' });
    // Past `exp` and the clock tolerance: refused, although it was accepted a moment ago.
    jest.useFakeTimers({ now: Date.now() + 92_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      expect(await rejection(token)).toBe('token expired');
    } finally {
      jest.useRealTimers();
    }
  });

  it('accepts the whole Authorization header value', async () => {
    const token = await issueToken({ tenantId: 'acme', scopes: ['admin'], home });
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toMatchObject({ tenantId: 'acme', scopes: ['admin'] });
  });

  it('accepts a token verified from the public key alone', async () => {
    const token = await issueToken({ tenantId: 'acme', scopes: ['reports:read'], home });
    const { publicKeyPem } = await ensureLocalKeyPair(home);
    const byPem = await TokenVerifier.create({ ...config, keys: { kind: 'public-key', publicKeyPem } });
    await expect(byPem.verify(token)).resolves.toMatchObject({ tenantId: 'acme' });
  });

  it('drops scopes it does not know', async () => {
    const token = await signed({ ...valid(), scope: 'openid reports:read profile' });
    await expect(verifier.verify(token)).resolves.toMatchObject({ scopes: ['reports:read'] });
  });

  it('rejects a missing token', async () => {
    expect(await rejection(undefined)).toMatch(/missing/);
    expect(await rejection('  ')).toMatch(/missing/);
  });

  it('rejects a malformed token', async () => {
    expect(await rejection('not-a-jwt')).toMatch(/malformed/);
    expect(await rejection('Basic dXNlcjpwYXNz')).toMatch(/malformed/);
  });

  it('rejects an expired token', async () => {
    const token = await signed({ ...valid(), iat: now() - 7200, exp: now() - 3600 });
    expect(await rejection(token)).toMatch(/expired/);
  });

  it('rejects a token signed by another key', async () => {
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(await rejection(await signed(valid(), otherKey))).toMatch(/bad signature/);
  });

  it('rejects a token whose signature was tampered with', async () => {
    const [header, , signature] = (await signed(valid())).split('.');
    const forged = Buffer.from(JSON.stringify({ ...valid(), tenant: 'globex' })).toString('base64url');
    expect(await rejection(`${header}.${forged}.${signature}`)).toMatch(/bad signature/);
  });

  it('rejects a token for another issuer or audience', async () => {
    expect(await rejection(await signed({ ...valid(), iss: 'someone-else' }))).toMatch(/wrong issuer/);
    expect(await rejection(await signed({ ...valid(), aud: 'another-app' }))).toMatch(/wrong audience/);
  });

  it('rejects a token without a tenant claim', async () => {
    const { tenant: _tenant, ...withoutTenant } = valid();
    expect(await rejection(await signed(withoutTenant))).toMatch(/no tenant claim/);
    expect(await rejection(await signed({ ...valid(), tenant: 42 }))).toMatch(/no tenant claim/);
  });

  it('rejects a token without an expiry', async () => {
    const { exp: _exp, ...withoutExpiry } = valid();
    expect(await rejection(await signed(withoutExpiry))).toMatch(/exp/);
  });

  it('rejects a token signed with another algorithm', async () => {
    const token = await new SignJWT(valid()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(32)));
    expect(await rejection(token)).toMatch(/algorithm not allowed/);
  });
});
