import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}).map((rule) => `${e.property}: ${rule} (got ${JSON.stringify(e.value)})`),
    ...flatten(e.children ?? []),
  ]);
}

/**
 * Reads environment variables into a typed, validated config class. Property names are
 * the variable names, so every problem names the variable to fix.
 */
export function loadConfig<T extends object>(cls: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const known = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const config = plainToInstance(cls, known, { enableImplicitConversion: true, exposeDefaultValues: true });
  const problems = flatten(validateSync(config, { forbidUnknownValues: false }));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
