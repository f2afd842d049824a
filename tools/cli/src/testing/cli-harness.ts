import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CliIo } from '../cli-io';
import { main } from '../main';
import type { ConfigServer } from './config-server';

/**
 * Runs `vigil <command…>` in-process with a fresh VIGIL_HOME per test, capturing its output;
 * a test may set `server` (closed after it).
 */
export function cliHarness(command: string[]) {
  const state: { home: string; stdout: string; stderr: string; server?: ConfigServer } = { home: '', stdout: '', stderr: '' };
  beforeEach(async () => {
    state.home = await mkdtemp(path.join(os.tmpdir(), 'vigil-cli-'));
    state.stdout = '';
    state.stderr = '';
  });
  afterEach(async () => {
    await state.server?.close();
    state.server = undefined;
    await rm(state.home, { recursive: true, force: true });
  });
  const io = (env: Record<string, string>): CliIo => ({
    stdout: (text) => (state.stdout += text), stderr: (text) => (state.stderr += text), readStdin: async () => '', env: { VIGIL_HOME: state.home, ...env }, fetch,
  });
  return { state, run: (args: string[], env: Record<string, string> = {}) => main(['node', 'vigil', ...command, ...args], io(env)) };
}
