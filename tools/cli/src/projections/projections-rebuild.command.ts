import type { Command } from 'commander';
import { ProjectionRebuildRoute, RebuildableProjections, type RebuildableProjection } from '@vigil/contracts';
import type { CliIo } from '../cli-io';
import { tokenSource } from '../apply/apply.command';
import { serviceBaseUrls } from '../apply/service-urls';

/** The service that owns each rebuildable projection. */
const Owners = { reporting: 'reporting-api' } as const satisfies Record<RebuildableProjection, string>;

interface RebuildAnswer {
  tables: string[];
  events: number;
  skipped: number;
  durationMs: number;
}

/**
 * Asks the owning service to replay its topics from offset zero into fresh tables and swap them
 * in. The projection is rebuilt for every tenant; the token only proves the `admin` scope (its
 * tenant is `--tenant`, default `vigil`). Returns the exit code.
 */
export async function runRebuild(projection: string, options: { tenant?: string }, io: CliIo): Promise<number> {
  const err = (line: string) => io.stderr(`${line}\n`);
  if (!(RebuildableProjections as readonly string[]).includes(projection)) {
    err(`vigil: no projection called "${projection}"; rebuildable: ${RebuildableProjections.join(', ')}`);
    return 1;
  }
  const name = projection as RebuildableProjection;
  const service = Owners[name];
  const url = `${serviceBaseUrls(io.env)[service]}${ProjectionRebuildRoute(name)}`;
  let response: Response;
  try {
    const token = await tokenSource(io.env)(options.tenant ?? 'vigil');
    response = await io.fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    err(`vigil: cannot reach ${service} at ${url}: ${(error as Error).message}`);
    return 1;
  }
  const text = await response.text();
  if (response.status !== 200) {
    err(`vigil: ${service} refused the rebuild (HTTP ${response.status}): ${reasonOf(text)}`);
    return 1;
  }
  const answer = JSON.parse(text) as RebuildAnswer;
  io.stdout(`${name} rebuilt from ${answer.events} events (${answer.skipped} skipped) into ${answer.tables.length} tables in ${(answer.durationMs / 1000).toFixed(1)} s\n`);
  return 0;
}

/** The `message` of a JSON error body, else the body as it came. */
function reasonOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: string | string[] };
    if (parsed.message) return Array.isArray(parsed.message) ? parsed.message.join('; ') : parsed.message;
  } catch {
    // not JSON
  }
  return text;
}

export function registerProjectionsCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const projections = program.command('projections').description('look after read models built from the event topics');
  projections
    .command('rebuild')
    .description(`replay the topics from offset zero into fresh tables and swap them in (${RebuildableProjections.join(', ')})`)
    .argument('<projection>', 'the projection to rebuild')
    .option('--tenant <tenant>', 'the tenant of the admin token the CLI signs (default vigil; ignored with VIGIL_TOKEN)')
    .action(async (projection: string, options: { tenant?: string }) => setExitCode(await runRebuild(projection, options, io)));
}
