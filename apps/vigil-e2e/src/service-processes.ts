import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ServiceNames, type ServiceName } from '@vigil/contracts';
import { eventually } from '@vigil/testing';

export const repoRoot = resolve(__dirname, '../../..');

export interface RunningService { name: ServiceName; url: string; process: ChildProcess; logFile: string }

/**
 * The five real services as separate processes, built into dist/ (npm test builds
 * first), on ports of their own so a running `npm start` does not collide.
 */
export class ServiceProcesses {
  readonly services = new Map<ServiceName, RunningService>();

  constructor(private readonly env: Record<string, string>, private readonly basePort = 14100) {}

  urlOf(name: ServiceName): string {
    return `http://127.0.0.1:${this.basePort + ServiceNames.indexOf(name)}`;
  }

  /** Variables that point the CLI at these services. */
  cliEnv(): Record<string, string> {
    return Object.fromEntries(ServiceNames.map((name) => [`VIGIL_${name.toUpperCase().replace(/-/g, '_')}_URL`, this.urlOf(name)]));
  }

  async startAll(): Promise<void> {
    for (const name of ServiceNames) this.spawn(name);
    await Promise.all(ServiceNames.map((name) => this.waitReady(name)));
  }

  /** Starts one service (again, after a kill) and waits until it is ready. */
  async start(name: ServiceName): Promise<void> {
    this.spawn(name);
    await this.waitReady(name);
  }

  /** Sends `signal` (SIGKILL: a crash) and waits for the process to be gone. */
  async kill(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const service = this.services.get(name);
    if (!service || service.process.exitCode !== null || service.process.signalCode !== null) return;
    const exited = new Promise((resolveExit) => service.process.once('exit', resolveExit));
    service.process.kill(signal);
    await exited;
  }

  private spawn(name: ServiceName): void {
    const logDir = join(repoRoot, 'tmp', 'e2e-logs');
    mkdirSync(logDir, { recursive: true });
    const logFile = join(logDir, `${name}.log`);
    // Appended: a restarted service keeps the lines of the one it replaced.
    const log = createWriteStream(logFile, { flags: this.services.has(name) ? 'a' : 'w' });
    const child = spawn(process.execPath, ['--enable-source-maps', join(repoRoot, 'dist/apps', name, 'src/main.js')], {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: String(this.basePort + ServiceNames.indexOf(name)),
        HOST: '127.0.0.1',
        ESCALATION_PUBLIC_URL: this.urlOf('escalation'),
        LOG_LEVEL: 'info',
        TIMER_POLL_MS: '200',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.services.set(name, { name, url: this.urlOf(name), process: child, logFile });
  }

  private async waitReady(name: ServiceName): Promise<void> {
    const service = this.services.get(name)!;
    await eventually(`${name} to be ready (log: ${service.logFile})`, async () => {
      if (service.process.exitCode !== null) throw new Error(`${name} exited with ${service.process.exitCode}: ${this.tail(name)}`);
      const response = await fetch(`${service.url}/health/readiness`).catch(() => undefined);
      return response?.status === 200;
    }, 90_000, 300);
  }

  tail(name: ServiceName, lines = 30): string {
    const service = this.services.get(name);
    if (!service) return '';
    try {
      return readFileSync(service.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** SIGTERM to every service; resolves with each exit code once all have exited. */
  async stopAll(timeoutMs = 30_000): Promise<Record<string, number | null>> {
    const exits = [...this.services.values()].map(
      (s) =>
        new Promise<[string, number | null]>((resolveExit) => {
          if (s.process.exitCode !== null) return resolveExit([s.name, s.process.exitCode]);
          const timer = setTimeout(() => s.process.kill('SIGKILL'), timeoutMs);
          s.process.once('exit', (code) => {
            clearTimeout(timer);
            resolveExit([s.name, code]);
          });
          s.process.kill('SIGTERM');
        }),
    );
    return Object.fromEntries(await Promise.all(exits));
  }
}
