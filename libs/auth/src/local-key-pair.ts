import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface LocalKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

export const PrivateKeyFile = 'private.pem';
export const PublicKeyFile = 'public.pem';

/** `<home>/keys/`: where the local signing key lives. */
export function localKeysDir(home: string): string {
  return path.join(home, 'keys');
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function publicKeyOf(privateKeyPem: string, file: string): string {
  try {
    const key = createPrivateKey(privateKeyPem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new Error('not an EC P-256 key');
    return createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  } catch (error) {
    throw new Error(`${file} is not a usable ES256 private key (${(error as Error).message}); delete it to have a new pair generated`);
  }
}

async function tempFile(dir: string, name: string, content: string, mode: number): Promise<string> {
  const tmp = path.join(dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  await fs.writeFile(tmp, content, { mode, flag: 'wx' });
  return tmp;
}

/**
 * Publishes `content` at `target` only if nothing is there yet, without a moment in which
 * a reader could see a half-written file: the complete temp file is hard-linked into place
 * (link fails with EEXIST when another process won). Returns whether this call won.
 */
async function publishExclusively(dir: string, target: string, content: string, mode: number): Promise<boolean> {
  const tmp = await tempFile(dir, path.basename(target), content, mode);
  try {
    await fs.link(tmp, target);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EXDEV'].includes(errorCode(error) ?? '')) throw error;
    // File systems without hard links: exclusive create, then write. A concurrent reader
    // may briefly see an empty file; readPrivateKey retries for that.
    try {
      await fs.writeFile(target, content, { mode, flag: 'wx' });
      return true;
    } catch (fallbackError) {
      if (errorCode(fallbackError) === 'EEXIST') return false;
      throw fallbackError;
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

async function readPrivateKey(file: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const pem = await fs.readFile(file, 'utf8');
    if (pem.includes('-----END') || attempt >= 20) return pem;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The local ES256 key pair in `<home>/keys/`, generated on first use. Safe when several
 * processes start at once: exactly one pair wins and every caller returns that pair.
 * The public key is always derived from the private one, so the two cannot disagree.
 */
export async function ensureLocalKeyPair(home: string): Promise<LocalKeyPair> {
  const dir = localKeysDir(home);
  const privateFile = path.join(dir, PrivateKeyFile);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });

  let privateKeyPem: string;
  try {
    privateKeyPem = await readPrivateKey(privateFile);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    const generated = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const won = await publishExclusively(dir, privateFile, generated, 0o600);
    privateKeyPem = won ? generated : await readPrivateKey(privateFile);
  }

  const publicKeyPem = publicKeyOf(privateKeyPem, privateFile);
  // Written for operators who want to hand the key to other machines (AUTH_PUBLIC_KEY).
  // Every process writes identical bytes, and rename replaces atomically.
  const publicFile = path.join(dir, PublicKeyFile);
  const current = await fs.readFile(publicFile, 'utf8').catch(() => undefined);
  if (current !== publicKeyPem) {
    const tmp = await tempFile(dir, PublicKeyFile, publicKeyPem, 0o644);
    await fs.rename(tmp, publicFile).catch(async (error: unknown) => {
      await fs.rm(tmp, { force: true });
      throw error;
    });
  }
  return { privateKeyPem, publicKeyPem };
}
