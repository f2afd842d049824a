import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManagedProcess, freePort } from './child-process';
import { progress } from './progress';

/** Where Debian's `prometheus-alertmanager` package puts the binary. */
export const AlertmanagerBinary = process.env.BENCH_ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

/**
 * Every alert to one receiver that discards it: Alertmanager still validates, stores and
 * groups each alert (by alert name and service, as a typical configuration does), and
 * nothing leaves the machine. With `pagerUrl`, critical alerts instead page that webhook
 * at once: every alert its own group (`group_by: ["..."]`), `group_wait: 0s`.
 */
export function alertmanagerConfig(pagerUrl?: string): string {
  const paging = pagerUrl === undefined ? '' : `  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      group_by: ["..."]
      group_wait: 0s
      group_interval: 1s
      repeat_interval: 4h
`;
  const pager = pagerUrl === undefined ? '' : `  - name: pager
    webhook_configs:
      - url: "${pagerUrl}"
        send_resolved: false
`;
  return `# Written by the Vigil bench: ${pagerUrl === undefined ? 'one route, one receiver that sends nowhere' : 'critical alerts page at once, everything else goes nowhere'}.
route:
  receiver: "null"
  group_by: ["alertname", "service"]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
${paging}receivers:
  - name: "null"
${pager}`;
}

export const MinimalConfig = alertmanagerConfig();

function run(command: string, args: string[]): boolean {
  progress(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: ['ignore', process.stderr, process.stderr], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

/**
 * The Debian package when the binary is missing: `apt-get install`, after `apt-get update`
 * when the package lists are too old to find it. Needs root; otherwise says what to run.
 */
export function ensureAlertmanagerInstalled(): string {
  if (existsSync(AlertmanagerBinary)) return AlertmanagerBinary;
  progress(`${AlertmanagerBinary} is missing; installing Debian's prometheus-alertmanager package (the baseline of the ingest and notify scenarios)`);
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`${AlertmanagerBinary} is missing and the bench cannot install it here (needs root and apt-get). Run: sudo apt-get install -y prometheus-alertmanager`);
  }
  const install = ['install', '-y', '--no-install-recommends', 'prometheus-alertmanager'];
  if (!run('apt-get', install)) {
    progress('apt-get install failed; refreshing the package lists and trying once more');
    if (!run('apt-get', ['update']) || !run('apt-get', install)) throw new Error('could not install prometheus-alertmanager with apt-get (see above)');
  }
  if (!existsSync(AlertmanagerBinary)) throw new Error(`prometheus-alertmanager is installed but ${AlertmanagerBinary} is not there`);
  return AlertmanagerBinary;
}

export function alertmanagerVersion(binary: string): string {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const line = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').find((l) => /version/i.test(l)) ?? 'unknown';
  return /version\s+(\S+)/i.exec(line)?.[1] ?? line.trim();
}

export interface RunningAlertmanager {
  url: string;
  version: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Alertmanager on 127.0.0.1 only, on a free port, clustering off (no gossip port), its
 * configuration (`config`, YAML) and storage in a temporary directory that `stop` removes.
 */
export async function startAlertmanager(logDir: string, config: string = MinimalConfig): Promise<RunningAlertmanager> {
  const binary = ensureAlertmanagerInstalled();
  const version = alertmanagerVersion(binary);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-alertmanager-'));
  writeFileSync(path.join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let managed: ManagedProcess;
  try {
    managed = startProcess(binary, version, dir, port, logDir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  try {
    await managed.waitReady(`${url}/-/ready`, 30_000);
  } catch (error) {
    await managed.stop();
    throw error;
  }
  return { url, version, process: managed, stop: () => managed.stop() };
}

function startProcess(binary: string, version: string, dir: string, port: number, logDir: string): ManagedProcess {
  return ManagedProcess.start({
    name: `alertmanager ${version}`,
    command: binary,
    args: [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    logFile: path.join(logDir, 'alertmanager.log'),
    afterStop: () => rmSync(dir, { recursive: true, force: true }),
  });
}

/** How many alerts Alertmanager holds whose labels match `matcher` (e.g. `bench_case="batched"`). */
export async function countAlerts(url: string, matcher: string): Promise<number> {
  const response = await fetch(`${url}/api/v2/alerts?filter=${encodeURIComponent(matcher)}`, { signal: AbortSignal.timeout(60_000) });
  if (response.status !== 200) throw new Error(`GET /api/v2/alerts answered ${response.status}`);
  return ((await response.json()) as unknown[]).length;
}
