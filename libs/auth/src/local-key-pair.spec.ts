import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureLocalKeyPair, localKeysDir } from './local-key-pair';

describe('ensureLocalKeyPair', () => {
  let home: string;

  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'vigil-keys-'));
  });

  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('generates a matching ES256 pair on first use and keeps the private key owner-only', async () => {
    const pair = await ensureLocalKeyPair(home);
    const privateKey = createPrivateKey(pair.privateKeyPem);
    expect(privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' })).toBe(pair.publicKeyPem);
    expect((await stat(path.join(localKeysDir(home), 'private.pem'))).mode & 0o777).toBe(0o600);
  });

  it('returns the same pair on later calls', async () => {
    const first = await ensureLocalKeyPair(home);
    await expect(ensureLocalKeyPair(home)).resolves.toEqual(first);
  });

  it('ends with one pair when five callers start together', async () => {
    const pairs = await Promise.all(Array.from({ length: 5 }, () => ensureLocalKeyPair(home)));
    expect(new Set(pairs.map((p) => p.privateKeyPem)).size).toBe(1);
    expect(new Set(pairs.map((p) => p.publicKeyPem)).size).toBe(1);
    expect((await readdir(localKeysDir(home))).sort()).toEqual(['private.pem', 'public.pem']);
  });

  it('names the file when the stored key is unusable', async () => {
    await mkdir(localKeysDir(home), { recursive: true });
    await writeFile(path.join(localKeysDir(home), 'private.pem'), '-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n');
    await expect(ensureLocalKeyPair(home)).rejects.toThrow(/private\.pem is not a usable ES256 private key/);
  });
});
