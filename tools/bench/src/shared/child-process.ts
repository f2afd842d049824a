import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { interruption } from './interruption';
import { progress } from './progress';

export interface StartOptions {
  /** How it is called in messages. */
  name: string;
  command: string;
  args?: readonly string[];
  /** Added to the bench's own environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** stdout and stderr go here (never to the bench's console, which carries the figures). */
  logFile: string;
  /** Runs once it has exited after `stop` (also on Ctrl-C): e.g. removes its temporary files. */
  afterStop?: () => void;
}

/**
 * A process the bench started and must stop. It runs in a process group of its own
 * (`detached`), so a Ctrl-C at the terminal reaches the bench alone and the bench stops
 * its children in order with SIGTERM.
 */
export class ManagedProcess {
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
    private readonly afterStop?: () => void,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
      child.once('error', (error) => {
        this.exitInfo = { code: null, signal: null };
        progress(`${name}: ${error.message}`);
        resolve();
      });
    });
  }

  static start(options: StartOptions): ManagedProcess {
    if (interruption.signal.aborted) throw new Error(`interrupted; not starting ${options.name}`);
    mkdirSync(path.dirname(options.logFile), { recursive: true });
    const log = createWriteStream(options.logFile, { flags: 'w' });
    const child = spawn(options.command, options.args ?? [], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('close', () => log.end());
    const managed = new ManagedProcess(options.name, options.logFile, child, options.afterStop);
    running.add(managed);
    progress(`started ${options.name} (pid ${child.pid ?? '?'}, log ${path.relative(process.cwd(), options.logFile)})`);
    return managed;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** The last lines of its log, for an error message. */
  tail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /**
   * Polls `url` until it answers 200 (a readiness probe such as `/health/readiness`).
   * Fails at once if the process exits, and after `timeoutMs` otherwise, with its log's tail.
   */
  async waitReady(url: string, timeoutMs = 60_000): Promise<number> {
    const started = Date.now();
    for (;;) {
      if (!this.alive) {
        throw new Error(`${this.name} exited (code ${this.exitInfo?.code}, signal ${this.exitInfo?.signal}) before it was ready; last lines of its log:\n${this.tail()}`);
      }
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.status === 200) {
          const elapsed = Date.now() - started;
          progress(`${this.name} ready in ${(elapsed / 1000).toFixed(1)} s`);
          return elapsed;
        }
      } catch {
        // Not listening yet.
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`${this.name} is not ready after ${timeoutMs / 1000} s (${url}); last lines of its log:\n${this.tail()}`);
      }
      await sleep(250);
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. Every caller waits for the same stop. */
  stop(graceMs = 30_000): Promise<void> {
    this.stopping ??= this.terminate(graceMs).finally(() => {
      running.delete(this);
      this.afterStop?.();
    });
    return this.stopping;
  }

  private async terminate(graceMs: number): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.alive) {
        progress(`${this.name} did not stop within ${graceMs / 1000} s; killing it`);
        this.child.kill('SIGKILL');
      }
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
    progress(`stopped ${this.name} (${this.exitInfo?.signal ?? `exit code ${this.exitInfo?.code}`})`);
  }
}

const running = new Set<ManagedProcess>();

/** Stops every process still running, newest first (on an error or a signal). */
export async function stopAll(): Promise<void> {
  for (const managed of [...running].reverse()) await managed.stop();
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
