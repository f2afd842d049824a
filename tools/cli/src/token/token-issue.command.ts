import { issueToken, requireKnownScopes, Scopes, vigilHome } from '@vigil/auth';
import { parseDuration } from '@vigil/contracts';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io';

export interface TokenIssueOptions {
  tenant: string;
  scopes: string;
  subject?: string;
  ttl: string;
}

/** `12h`, `30m`, `2d`, or a bare number of seconds. */
export function parseTtl(text: string): number {
  const trimmed = text.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : parseDuration(trimmed);
  if (ms === undefined || ms < 1000) throw new Error(`--ttl must be a duration of at least 1s such as 30m, 12h or 7d, got "${text}"`);
  return Math.floor(ms / 1000);
}

export async function runTokenIssue(options: TokenIssueOptions, io: CliIo): Promise<number> {
  try {
    const scopes = requireKnownScopes(
      options.scopes
        .split(/[\s,]+/)
        .map((scope) => scope.trim())
        .filter(Boolean),
    );
    if (scopes.length === 0) throw new Error(`--scopes needs at least one of ${Scopes.join(', ')}`);
    const token = await issueToken({
      tenantId: options.tenant,
      scopes,
      subject: options.subject,
      ttlSeconds: parseTtl(options.ttl),
      home: vigilHome(io.env),
    });
    // The token alone, so `TOKEN=$(vigil token issue …)` works.
    io.stdout(`${token}\n`);
    return 0;
  } catch (error) {
    io.stderr(`vigil: ${(error as Error).message}\n`);
    return 1;
  }
}

export function registerTokenCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const token = program.command('token').description('bearer tokens for the Vigil APIs');
  token
    .command('issue')
    .description('sign a token with the local key ($VIGIL_HOME/keys) and print it alone on standard output')
    .requiredOption('--tenant <tenant>', 'the tenant the token acts for')
    .requiredOption('--scopes <scopes>', `comma-separated: ${Scopes.join(', ')}`)
    .option('--subject <subject>', 'who the token stands for (default: local:<your user>)')
    .option('--ttl <duration>', 'lifetime such as 30m, 12h or 7d', '1h')
    .action(async (options: TokenIssueOptions) => setExitCode(await runTokenIssue(options, io)));
}
