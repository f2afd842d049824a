import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ServiceName } from '@vigil/contracts';
import { ManagedProcess, freePort } from './child-process';

export interface ServiceSettings {
  root: string;
  kafkaBrokers: string;
  databaseUrl: string;
  vigilHome: string;
  logDir: string;
  logLevel: string;
}

export interface RunningService {
  url: string;
  process: ManagedProcess;
}

/** A Vigil service from dist/ on a free port of 127.0.0.1, ready (`/health/readiness`), with `env` added. */
export async function startVigilService(service: ServiceName, settings: ServiceSettings, env: Record<string, string> = {}): Promise<RunningService> {
  const main = path.join(settings.root, `dist/apps/${service}/src/main.js`);
  if (!existsSync(main)) throw new Error(`${path.relative(settings.root, main)} is missing; build first (npm run build)`);
  const port = await freePort();
  const managed = ManagedProcess.start({
    name: service,
    command: process.execPath,
    args: ['--enable-source-maps', main],
    cwd: settings.root,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      KAFKA_BROKERS: settings.kafkaBrokers,
      DATABASE_URL: settings.databaseUrl,
      VIGIL_HOME: settings.vigilHome,
      LOG_LEVEL: settings.logLevel,
      ...env,
    },
    logFile: path.join(settings.logDir, `${service}.log`),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await managed.waitReady(`${url}/health/readiness`, 120_000);
  } catch (error) {
    await managed.stop();
    throw error;
  }
  return { url, process: managed };
}
