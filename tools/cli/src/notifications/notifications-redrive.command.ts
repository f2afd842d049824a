import type { Command } from 'commander';
import { NotificationsRedriveRoute } from '@vigil/contracts';
import type { CliIo } from '../cli-io';
import { tokenSource } from '../apply/apply.command';
import { serviceBaseUrls } from '../apply/service-urls';

export interface RedriveCommandOptions {
  tenant?: string;
  channel?: string;
  escalation?: string;
  since?: string;
  limit?: string;
  dryRun?: boolean;
}

interface RedriveAnswer {
  dryRun: boolean;
  count: number;
  deliveries: Array<{ escalationEventId: string; eventType: string; channel: string; failedAt: string; lastError: string | null }>;
}

/**
 * Asks the notifier to send the tenant's failed (dead-lettered) deliveries again. Returns
 * the exit code: 0 when the notifier answered, whether or not anything was failed.
 */
export async function runRedrive(options: RedriveCommandOptions, io: CliIo): Promise<number> {
  const err = (line: string) => io.stderr(`${line}\n`);
  const ownToken = io.env.VIGIL_TOKEN?.trim();
  if (!ownToken && !options.tenant) {
    err('vigil: --tenant is required unless VIGIL_TOKEN is set (the token names the tenant)');
    return 1;
  }
  if (options.limit !== undefined && !/^\d+$/.test(options.limit)) {
    err(`vigil: --limit must be a whole number, got "${options.limit}"`);
    return 1;
  }
  const body = {
    ...(options.channel ? { channel: options.channel } : {}),
    ...(options.escalation ? { escalationId: options.escalation } : {}),
    ...(options.since ? { failedSince: options.since } : {}),
    ...(options.limit ? { limit: Number(options.limit) } : {}),
    dryRun: options.dryRun ?? false,
  };
  const url = `${serviceBaseUrls(io.env).notifier}${NotificationsRedriveRoute}`;
  let response: Response;
  try {
    const token = await tokenSource(io.env)(options.tenant ?? '');
    response = await io.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  } catch (error) {
    err(`vigil: cannot reach the notifier at ${url}: ${(error as Error).message}`);
    return 1;
  }
  const text = await response.text();
  if (response.status !== 200) {
    let message = text;
    try {
      const parsed = JSON.parse(text) as { message?: string | string[] };
      if (parsed.message) message = Array.isArray(parsed.message) ? parsed.message.join('; ') : parsed.message;
    } catch {
      // not JSON: print it as it came
    }
    err(`vigil: the notifier refused the redrive (HTTP ${response.status}): ${message}`);
    return 1;
  }
  const answer = JSON.parse(text) as RedriveAnswer;
  for (const d of answer.deliveries) {
    io.stdout(`${d.eventType} ${d.escalationEventId} → ${d.channel} (failed ${d.failedAt}${d.lastError ? `: ${d.lastError}` : ''})\n`);
  }
  const noun = `${answer.count} failed deliver${answer.count === 1 ? 'y' : 'ies'}`;
  io.stdout(answer.dryRun ? `${noun} would be sent again (dry run)\n` : `${noun} sent again\n`);
  return 0;
}

export function registerNotificationsCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const notifications = program.command('notifications').description('look after notification deliveries');
  notifications
    .command('redrive')
    .description('send failed (dead-lettered) deliveries again, with their original Idempotency-Key')
    .option('--tenant <tenant>', 'the tenant (required unless VIGIL_TOKEN names it)')
    .option('--channel <name>', 'only deliveries to this channel')
    .option('--escalation <id>', 'only deliveries about this escalation')
    .option('--since <time>', 'only deliveries that failed at or after this ISO 8601 time')
    .option('--limit <n>', 'at most this many, oldest first (default 100, at most 1000)')
    .option('--dry-run', 'list what would be sent again, send nothing')
    .action(async (options: RedriveCommandOptions) => setExitCode(await runRedrive(options, io)));
}
