import { createRemoteJWKSet, errors, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type KeyLike } from 'jose';
import { LRUCache } from 'lru-cache';
import type { AuthConfig } from './auth-config';
import { ensureLocalKeyPair } from './local-key-pair';
import { isScope, type Principal } from './scopes';
import { KeysUnavailableError, UnauthorizedError } from './unauthorized.errors';

export const TokenAlgorithm = 'ES256';

/** Clock skew tolerated between the issuer and this process. */
const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * A verified token is remembered until it expires, at most this long: a monitor posts
 * with the same token again and again, and an ES256 verification costs more than the
 * rest of a small request's work in this process.
 */
const VERIFIED_TTL_MS = 5 * 60_000;
const VERIFIED_MAX = 10_000;

type VerificationKey = KeyLike | JWTVerifyGetKey;

/** Accepts the raw token or the whole `Authorization` header value. */
function extractToken(bearerToken: string | undefined): string {
  const value = bearerToken?.trim();
  if (!value) throw new UnauthorizedError('missing bearer token');
  const match = /^Bearer\s+(\S+)$/i.exec(value);
  if (match) return match[1];
  if (/^\S+\s/.test(value)) throw new UnauthorizedError('malformed Authorization header: expected "Bearer <token>"');
  return value;
}

/** Identity providers differ: `scope` as a space-separated string (RFC 8693) or a list. */
function scopesOf(payload: JWTPayload): Principal['scopes'] {
  const raw = payload.scope;
  const list = typeof raw === 'string' ? raw.split(/\s+/) : Array.isArray(raw) ? raw : [];
  // Scopes Vigil does not know (openid, profile, …) mean nothing here and are dropped.
  return [...new Set(list.filter(isScope))];
}

function describe(error: unknown, config: AuthConfig): Error {
  if (error instanceof UnauthorizedError) return error;
  if (error instanceof errors.JWTExpired) return new UnauthorizedError('token expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return new UnauthorizedError(`wrong issuer: expected "${config.issuer}"`);
      case 'aud':
        return new UnauthorizedError(`wrong audience: expected "${config.audience}"`);
      case 'nbf':
      case 'iat':
        return new UnauthorizedError('token not yet valid');
      default:
        return new UnauthorizedError(`invalid ${error.claim} claim: ${error.reason}`);
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new UnauthorizedError('bad signature');
  if (error instanceof errors.JWKSNoMatchingKey) return new UnauthorizedError('bad signature: no trusted key matches the token');
  if (error instanceof errors.JWKSMultipleMatchingKeys) return new UnauthorizedError('ambiguous key: several trusted keys match the token');
  if (error instanceof errors.JOSEAlgNotAllowed) return new UnauthorizedError(`token algorithm not allowed: expected ${TokenAlgorithm}`);
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return new UnauthorizedError(`malformed token: ${error.message}`);
  // Timeouts, non-200 answers (generic JOSEError) and network errors come from fetching
  // the remote key set, not from the token.
  const keySetProblem =
    error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError) || error.code === errors.JOSEError.code;
  if (keySetProblem)
    return new KeysUnavailableError(`cannot obtain the token verification keys: ${(error as Error).message}`, { cause: error });
  return new UnauthorizedError(`invalid token: ${(error as Error).message}`);
}

/** Verifies Vigil bearer tokens (ES256 JWTs) against the configured keys. Framework-free. */
export class TokenVerifier {
  /** Only successes are kept; a bad token is verified (and refused) every time. */
  private readonly verified = new LRUCache<string, { principal: Principal; expiresAtMs: number }>({ max: VERIFIED_MAX, ttl: VERIFIED_TTL_MS });

  private constructor(
    private readonly config: AuthConfig,
    private readonly key: VerificationKey,
  ) {}

  static async create(config: AuthConfig): Promise<TokenVerifier> {
    switch (config.keys.kind) {
      case 'jwks':
        return new TokenVerifier(config, createRemoteJWKSet(config.keys.url, { timeoutDuration: 5_000, cooldownDuration: 30_000 }));
      case 'public-key':
        return new TokenVerifier(config, await importSPKI(config.keys.publicKeyPem, TokenAlgorithm));
      case 'local': {
        const { publicKeyPem } = await ensureLocalKeyPair(config.keys.home);
        return new TokenVerifier(config, await importSPKI(publicKeyPem, TokenAlgorithm));
      }
      default: {
        const unknown: never = config.keys;
        throw new Error(`unknown key source ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * Resolves to the token's principal, or rejects with `UnauthorizedError` saying why
   * (missing, malformed, expired, bad signature, wrong issuer/audience, no tenant), or with
   * `KeysUnavailableError` when a remote key set cannot be fetched.
   */
  async verify(bearerToken: string | undefined): Promise<Principal> {
    const token = extractToken(bearerToken);
    const known = this.verified.get(token);
    // Checked against the wall clock as well, which is the one the token's `exp` speaks of.
    if (known && Date.now() < known.expiresAtMs) return known.principal;
    let payload: JWTPayload;
    try {
      const options = {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: [TokenAlgorithm],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      };
      // jwtVerify's overloads split on the key's type; the branches are otherwise identical.
      payload =
        typeof this.key === 'function' ? (await jwtVerify(token, this.key, options)).payload : (await jwtVerify(token, this.key, options)).payload;
    } catch (error) {
      throw describe(error, this.config);
    }
    const tenant = payload.tenant;
    if (typeof tenant !== 'string' || tenant.trim() === '') throw new UnauthorizedError('token has no tenant claim');
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new UnauthorizedError('token has no sub claim');
    const principal: Principal = { subject: payload.sub, tenantId: tenant, scopes: scopesOf(payload) };
    // `exp` is a required claim, checked above; the entry leaves when the token would fail.
    const expiresAtMs = (payload.exp as number) * 1000;
    const untilExpiry = expiresAtMs - Date.now();
    if (untilExpiry > 0) this.verified.set(token, { principal, expiresAtMs }, { ttl: Math.min(untilExpiry, VERIFIED_TTL_MS) });
    return principal;
  }
}
