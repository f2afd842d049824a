import 'reflect-metadata';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { DefaultPorts, type ServiceName } from '@vigil/contracts';
import { ConfigError, loadConfig } from '@vigil/observability';
import { BaseConfig } from './base.config';
import { ErrorsFilter } from './http/errors.filter';
import { createValidationPipe } from './http/validation';

/** Body limits, validation that names fields, and errors without stacks: the same in tests. */
export function configureHttp(app: NestExpressApplication): void {
  app.useBodyParser('json', { limit: '5mb' });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorsFilter());
}

/**
 * Starts a service: config checked first (a bad variable stops the process and names
 * itself), JSON logs, validation that names fields, graceful shutdown on SIGTERM.
 */
export async function bootstrapService(service: ServiceName, appModule: Type<unknown>): Promise<INestApplication> {
  let config: BaseConfig;
  try {
    config = loadConfig(BaseConfig);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const app = await NestFactory.create<NestExpressApplication>(appModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  configureHttp(app);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  const port = config.PORT ?? DefaultPorts[service];
  await app.listen(port, config.HOST);
  app.get(Logger).log({ msg: `${service} listening`, port });
  return app;
}
