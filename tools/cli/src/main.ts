import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerApplyCommand } from './apply/apply.command';
import { registerDemoCommand } from './demo/demo.command';
import { processIo, type CliIo } from './cli-io';
import { registerNotificationsCommand } from './notifications/notifications-redrive.command';
import { registerProjectionsCommand } from './projections/projections-rebuild.command';
import { registerTokenCommand } from './token/token-issue.command';

/** The workspace version: package.json sits above both the sources and dist/. */
function version(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'vigil' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('vigil')
    .description('Vigil command line: apply configuration, issue tokens, redrive notifications, rebuild projections, play the demo')
    .version(version())
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
  registerApplyCommand(program, io, setExitCode);
  registerTokenCommand(program, io, setExitCode);
  registerDemoCommand(program, io, setExitCode);
  registerNotificationsCommand(program, io, setExitCode);
  registerProjectionsCommand(program, io, setExitCode);
  // Subcommands inherit neither exitOverride nor the output; set them on every level.
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });
    command.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}

/** Runs the CLI and resolves to its exit code; `bin/vigil.js` sets it on the process. */
export async function main(argv: readonly string[] = process.argv, io: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    io.stderr(`vigil: ${(error as Error).message}\n`);
    return 1;
  }
  return exitCode;
}
