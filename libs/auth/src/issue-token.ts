import { createPrivateKey, createPublicKey } from 'node:crypto';
import os from 'node:os';
import { calculateJwkThumbprint, exportJWK, SignJWT } from 'jose';
import { DefaultAudience, DefaultIssuer, vigilHome } from './auth-config';
import { ensureLocalKeyPair } from './local-key-pair';
import { requireKnownScopes, type Scope } from './scopes';
import { TokenAlgorithm } from './token-verifier';

export interface IssueTokenOptions {
  tenantId: string;
  scopes: Scope[];
  /** Defaults to `local:<os user>`. */
  subject?: string;
  /** Defaults to one hour. */
  ttlSeconds?: number;
  /** `VIGIL_HOME`; defaults to `$VIGIL_HOME` or `<cwd>/.vigil`. */
  home?: string;
}

export const DefaultTokenTtlSeconds = 3_600;

function defaultSubject(): string {
  try {
    return `local:${os.userInfo().username}`;
  } catch {
    // userInfo throws for a uid without a passwd entry (common in containers).
    return 'local:vigil';
  }
}

/**
 * Signs a token with the local private key (created on first use) — for development,
 * the demo and `vigil apply` against a local stack. Production tokens come from an
 * identity provider. Issuer and audience follow `AUTH_ISSUER`/`AUTH_AUDIENCE` so the
 * services of the same environment accept them.
 */
export async function issueToken(opts: IssueTokenOptions): Promise<string> {
  const scopes = requireKnownScopes(opts.scopes);
  const tenantId = opts.tenantId?.trim();
  if (!tenantId) throw new Error('a token needs a tenant');
  const ttlSeconds = opts.ttlSeconds ?? DefaultTokenTtlSeconds;
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new Error(`token lifetime must be a positive number of seconds, got ${ttlSeconds}`);

  const { privateKeyPem } = await ensureLocalKeyPair(opts.home ?? vigilHome());
  const privateKey = createPrivateKey(privateKeyPem);
  const kid = await calculateJwkThumbprint(await exportJWK(createPublicKey(privateKey)));
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant: tenantId, scope: scopes.join(' ') })
    .setProtectedHeader({ alg: TokenAlgorithm, typ: 'JWT', kid })
    .setIssuer(process.env.AUTH_ISSUER?.trim() || DefaultIssuer)
    .setAudience(process.env.AUTH_AUDIENCE?.trim() || DefaultAudience)
    .setSubject(opts.subject?.trim() || defaultSubject())
    .setIssuedAt(now)
    .setExpirationTime(now + Math.ceil(ttlSeconds))
    .sign(privateKey);
}
