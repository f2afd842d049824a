import { issueToken, vigilHome } from '@vigil/auth';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io';
import { applyDocuments } from './apply-documents';
import { DocumentLoadError, loadDocuments } from './load-documents';
import { serviceBaseUrls } from './service-urls';
import { validateDocuments } from './validate-documents';

export interface ApplyCommandOptions {
  filename: string[];
  dryRun?: boolean;
}

/** Lifetime of the token the CLI signs for itself: one apply, with room for slow services. */
const SELF_SIGNED_TTL_SECONDS = 300;

/** `VIGIL_TOKEN` when set, else an `admin` token per tenant signed with the local key. */
export function tokenSource(env: CliIo['env']): (tenant: string) => Promise<string> {
  const fixed = env.VIGIL_TOKEN?.trim();
  if (fixed) return async () => fixed;
  const home = vigilHome(env);
  const cache = new Map<string, Promise<string>>();
  return (tenant) => {
    let token = cache.get(tenant);
    if (!token) {
      token = issueToken({ tenantId: tenant, scopes: ['admin'], subject: 'vigil-cli', ttlSeconds: SELF_SIGNED_TTL_SECONDS, home });
      cache.set(tenant, token);
    }
    return token;
  };
}

/** Returns the exit code: 0 when every document was applied (or is valid, on a dry run). */
export async function runApply(options: ApplyCommandOptions, io: CliIo): Promise<number> {
  const err = (line: string) => io.stderr(`${line}\n`);
  let loaded;
  try {
    loaded = await loadDocuments(options.filename, { readStdin: io.readStdin });
  } catch (error) {
    if (!(error instanceof DocumentLoadError)) throw error;
    error.problems.forEach(err);
    err('vigil: nothing applied');
    return 1;
  }
  if (loaded.length === 0) {
    err('vigil: no documents found; nothing applied');
    return 1;
  }
  const { documents, problems } = validateDocuments(loaded);
  if (problems.length > 0) {
    problems.forEach(err);
    err(`vigil: ${problems.length} problem${problems.length > 1 ? 's' : ''}; nothing applied`);
    return 1;
  }
  const baseUrls = serviceBaseUrls(io.env);
  const summary = await applyDocuments(documents, {
    fetch: io.fetch,
    baseUrls,
    tokenFor: tokenSource(io.env),
    out: (line) => io.stdout(`${line}\n`),
    err,
    dryRun: options.dryRun,
  });
  if (summary.failed > 0) {
    err(`vigil: ${summary.failed} of ${documents.length} document${documents.length > 1 ? 's' : ''} not applied`);
    return 1;
  }
  return 0;
}

export function registerApplyCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('apply')
    .description('apply configuration documents (Tenant, SLAPolicy, …) to the services that own them')
    .requiredOption(
      '-f, --filename <path>',
      'a YAML file, a directory of .yaml/.yml files, or - for standard input (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--dry-run', 'validate and show where each document would go, send nothing')
    .action(async (options: ApplyCommandOptions) => setExitCode(await runApply(options, io)));
}
