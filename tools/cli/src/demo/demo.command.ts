import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { issueToken, vigilHome } from '@vigil/auth';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io';
import { applyDocuments } from '../apply/apply-documents';
import { tokenSource } from '../apply/apply.command';
import { loadDocuments } from '../apply/load-documents';
import { serviceBaseUrls } from '../apply/service-urls';
import { validateDocuments } from '../apply/validate-documents';
import { DemoFeed, feedRequests } from './demo-feed';

/**
 * The example's channels point at made-up hosts; the demo points them at a receiver it
 * runs on 127.0.0.1 instead, so notifications stay on this machine and can be shown.
 */
async function startReceiver(out: (line: string) => void): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received++;
      const parsed = JSON.parse(body || '{}') as { type?: string; escalation?: { level?: number }; alarm?: { alarmKey?: string }; text?: string };
      const level = parsed.escalation?.level;
      out(`  notification received: ${parsed.type ?? 'slack message'} ${parsed.alarm?.alarmKey ?? parsed.text ?? ''}${level !== undefined ? ` (level ${level})` : ''}`);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/demo-receiver`,
    count: () => received,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

const TENANT = 'acme';

/**
 * `vigil demo`: applies examples/acme.yaml, plays a short alarm feed into the running
 * services and prints the compliance report that results.
 */
export async function runDemo(options: { file: string }, io: CliIo): Promise<number> {
  const out = (line = '') => io.stdout(`${line}\n`);
  const receiver = await startReceiver(out);
  try {
    return await play(options, io, receiver.url, out);
  } finally {
    // Let the first notifications arrive before the receiver goes away.
    await new Promise((r) => setTimeout(r, 3_000));
    out(`${receiver.count()} notification(s) reached the demo receiver`);
    await receiver.close();
  }
}

async function play(options: { file: string }, io: CliIo, receiverUrl: string, out: (line?: string) => void): Promise<number> {
  out(`applying ${options.file} (notification channels pointed at ${receiverUrl})`);
  const loaded = await loadDocuments([options.file]);
  for (const item of loaded) {
    const doc = item.raw as { kind?: string; spec?: { url?: string } };
    if (doc.kind === 'NotificationChannel' && doc.spec?.url) doc.spec.url = receiverUrl;
  }
  const { documents, problems } = validateDocuments(loaded);
  if (problems.length > 0) {
    problems.forEach((p) => io.stderr(`${p}\n`));
    return 1;
  }
  const urls = serviceBaseUrls(io.env);
  const summary = await applyDocuments(documents, {
    fetch: io.fetch, baseUrls: urls, tokenFor: tokenSource(io.env), out: (line) => out(`  ${line}`), err: (line) => io.stderr(`${line}\n`),
  });
  if (summary.failed > 0) return 1;

  const token = await issueToken({ tenantId: TENANT, scopes: ['alarms:write', 'reports:read'], subject: 'vigil-demo', home: vigilHome(io.env) });
  const requests = feedRequests(DemoFeed, new Date());
  const response = await io.fetch(`${urls['alarm-ingestion']}/api/v1/alarms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ alarms: requests }),
  });
  if (response.status !== 202) {
    io.stderr(`vigil demo: ingestion answered ${response.status}: ${await response.text()}\n`);
    return 1;
  }
  const { results } = (await response.json()) as { results: Array<{ alarmId: string; result: string }> };
  out(`played ${requests.length} alarm changes: ${results.filter((r) => r.result === 'recorded').length} recorded`);

  // The projection is asynchronous; give it a moment to catch up.
  const from = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
  let report: { timezone: string; records: Array<Record<string, number | string>> } | undefined;
  for (let attempt = 0; attempt < 20; attempt++) {
    const answer = await io.fetch(`${urls['reporting-api']}/api/v1/faults/sla/compliance?from_date=${from}&service_id=checkout-api`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (answer.ok) {
      report = (await answer.json()) as typeof report;
      if (report!.records.some((r) => Number(r.downtime_minutes) > 0)) break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!report) {
    io.stderr('vigil demo: the compliance report did not answer\n');
    return 1;
  }
  out();
  out(`daily compliance of checkout-api (tenant ${TENANT}, ${report.timezone})`);
  out('date                        compliance  target  downtime min  breaches');
  for (const r of report.records) {
    out(`${String(r.date).padEnd(28)}${String(r.compliance_percentage).padStart(9)} %${String(r.target_percentage).padStart(7)}${String(r.downtime_minutes).padStart(14)}${String(r.sla_breaches).padStart(10)}`);
  }
  out();
  out(`more: ${urls['reporting-api']}/api/v1/faults/sla/compliance?from_date=${from} (Authorization: Bearer $(npx vigil token issue --tenant ${TENANT} --scopes reports:read))`);
  return 0;
}

export function registerDemoCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('demo')
    .description('apply the example tenant and play a short alarm feed into the running services')
    .option('-f, --file <path>', 'the configuration to apply first', resolve(__dirname, '../../../../../examples/acme.yaml'))
    .action(async (options: { file: string }) => setExitCode(await runDemo(options, io)));
}
