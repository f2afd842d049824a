import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { authConfigFromEnv } from './auth-config';

function pem(type: 'ec' | 'rsa'): string {
  const { publicKey } = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

describe('authConfigFromEnv', () => {
  it('prefers a remote key set', () => {
    expect(authConfigFromEnv({ AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json' })).toEqual({
      keys: { kind: 'jwks', url: new URL('https://idp.example.com/.well-known/jwks.json') },
      issuer: 'vigil',
      audience: 'vigil',
    });
  });

  it('takes a PEM public key, also with escaped newlines', () => {
    const key = pem('ec');
    expect(authConfigFromEnv({ AUTH_PUBLIC_KEY: key }).keys).toEqual({ kind: 'public-key', publicKeyPem: key });
    expect(authConfigFromEnv({ AUTH_PUBLIC_KEY: key.replace(/\n/g, '\\n') }).keys).toEqual({ kind: 'public-key', publicKeyPem: key });
  });

  it('falls back to the local key pair in VIGIL_HOME, or .vigil in the working directory', () => {
    expect(authConfigFromEnv({ VIGIL_HOME: '/srv/vigil' }).keys).toEqual({ kind: 'local', home: '/srv/vigil' });
    expect(authConfigFromEnv({}).keys).toEqual({ kind: 'local', home: path.join(process.cwd(), '.vigil') });
  });

  it('reads issuer and audience', () => {
    expect(authConfigFromEnv({ AUTH_ISSUER: 'https://idp.example.com/', AUTH_AUDIENCE: 'vigil-api' })).toMatchObject({
      issuer: 'https://idp.example.com/',
      audience: 'vigil-api',
    });
  });

  it('names the variable that is malformed', () => {
    expect(() => authConfigFromEnv({ AUTH_JWKS_URL: 'idp.example.com/jwks' })).toThrow(/^AUTH_JWKS_URL/);
    expect(() => authConfigFromEnv({ AUTH_JWKS_URL: 'ftp://idp.example.com/jwks' })).toThrow(/^AUTH_JWKS_URL/);
    expect(() => authConfigFromEnv({ AUTH_PUBLIC_KEY: 'abc' })).toThrow(/^AUTH_PUBLIC_KEY/);
    expect(() => authConfigFromEnv({ AUTH_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' })).toThrow(/^AUTH_PUBLIC_KEY/);
    expect(() => authConfigFromEnv({ AUTH_PUBLIC_KEY: pem('rsa') })).toThrow(/^AUTH_PUBLIC_KEY must be an EC P-256 key/);
    expect(() => authConfigFromEnv({ AUTH_JWKS_URL: 'https://idp.example.com/jwks', AUTH_PUBLIC_KEY: pem('ec') })).toThrow(/AUTH_JWKS_URL and AUTH_PUBLIC_KEY/);
  });
});
