import { createPublicKey } from 'node:crypto';
import path from 'node:path';

/** Where the keys that verify tokens come from. */
export type KeySource =
  /** Production: an identity provider's JSON Web Key Set. */
  | { kind: 'jwks'; url: URL }
  /** A fixed ES256 public key (PEM, SPKI), e.g. for a cluster whose tokens one offline key signs. */
  | { kind: 'public-key'; publicKeyPem: string }
  /** A machine of its own: the key pair in `<home>/keys/`, created on first use. */
  | { kind: 'local'; home: string };

export interface AuthConfig {
  keys: KeySource;
  issuer: string;
  audience: string;
}

export const DefaultIssuer = 'vigil';
export const DefaultAudience = 'vigil';

type Env = Record<string, string | undefined>;

/** `VIGIL_HOME`, defaulting to `<cwd>/.vigil`: where local keys (and logs) live. */
export function vigilHome(env: Env = process.env): string {
  return path.resolve(setting(env, 'VIGIL_HOME') ?? path.join(process.cwd(), '.vigil'));
}

// A blank variable counts as unset: compose files pass `${X:-}` through as "".
function setting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function jwksUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`AUTH_JWKS_URL must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`AUTH_JWKS_URL must be an http(s) URL, got "${value}"`);
  return url;
}

function publicKeyPem(value: string): string {
  // Env files and orchestrators often carry PEMs on one line with literal "\n".
  const pem = value.includes('\\n') ? value.replace(/\\n/g, '\n') : value;
  if (!pem.includes('-----BEGIN PUBLIC KEY-----'))
    throw new Error('AUTH_PUBLIC_KEY must be a PEM public key (SPKI, "-----BEGIN PUBLIC KEY-----")');
  let key;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new Error(`AUTH_PUBLIC_KEY is not a readable PEM public key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new Error('AUTH_PUBLIC_KEY must be an EC P-256 key (tokens are signed with ES256)');
  return pem.trim() + '\n';
}

/**
 * Reads `AUTH_JWKS_URL`, else `AUTH_PUBLIC_KEY`, else falls back to the local key pair in
 * `$VIGIL_HOME/keys/`; plus `AUTH_ISSUER` and `AUTH_AUDIENCE`. Throws naming the variable.
 */
export function authConfigFromEnv(env: Env = process.env): AuthConfig {
  const issuer = setting(env, 'AUTH_ISSUER') ?? DefaultIssuer;
  const audience = setting(env, 'AUTH_AUDIENCE') ?? DefaultAudience;
  const jwks = setting(env, 'AUTH_JWKS_URL');
  const pem = setting(env, 'AUTH_PUBLIC_KEY');
  if (jwks !== undefined) {
    if (pem !== undefined) throw new Error('AUTH_JWKS_URL and AUTH_PUBLIC_KEY are both set; set only one');
    return { keys: { kind: 'jwks', url: jwksUrl(jwks) }, issuer, audience };
  }
  if (pem !== undefined) return { keys: { kind: 'public-key', publicKeyPem: publicKeyPem(pem) }, issuer, audience };
  return { keys: { kind: 'local', home: vigilHome(env) }, issuer, audience };
}
