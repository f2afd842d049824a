import 'reflect-metadata';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { DefaultPorts, type ServiceName } from '@vigil/contracts';
import { ConfigError, flushTraces, loadConfig } from '@vigil/observability';
import { BaseConfig } from './base.config';
import { ErrorsFilter } from './http/errors.filter';
import { createValidationPipe } from './http/validation';
import { ShutdownState } from './shutdown-state';

/** Body limits, validation that names fields, and errors without stacks: the same in tests. */
export function configureHttp(app: NestExpressApplication): void {
  app.useBodyParser('json', { limit: '5mb' });
  // Nest turns body-parser's errors into a bare 400 before any filter runs: name the field here.
  app.use((error: { type?: string } | undefined, _req: Request, res: Response, next: NextFunction) => {
    if (error?.type === 'entity.parse.failed') {
      res.status(400).json({ statusCode: 400, error: 'Bad Request', message: 'body: must be valid JSON', errors: [{ field: 'body', rule: 'isJson', message: 'must be valid JSON' }] });
      return;
    }
    if (error?.type === 'entity.too.large') {
      res.status(413).json({ statusCode: 413, error: 'Payload Too Large', message: 'body: is over the size limit of 5 MB', errors: [{ field: 'body', rule: 'maxSize', message: 'is over the size limit of 5 MB' }] });
      return;
    }
    next(error);
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorsFilter());
}

/**
 * Starts a service: config checked first (a bad variable stops the process and names
 * itself), JSON logs, validation that names fields, graceful shutdown on SIGTERM.
 */
export async function bootstrapService(service: ServiceName, appModule: Type<unknown>): Promise<INestApplication> {
  let config: BaseConfig;
  let app: NestExpressApplication;
  try {
    config = loadConfig(BaseConfig);
    // An app's own config classes are loaded by its providers: their errors surface here.
    app = await NestFactory.create<NestExpressApplication>(appModule, { bufferLogs: true, abortOnError: false });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  app.useLogger(app.get(Logger));
  configureHttp(app);
  serveOpenApi(app, service);
  const port = config.PORT ?? DefaultPorts[service];
  await app.listen(port, config.HOST);
  const logger = app.get(Logger);
  logger.log({ msg: `${service} listening`, port });
  stopGracefullyOnSignals(app, logger, config.SHUTDOWN_DRAIN_MS);
  return app;
}

/** OpenAPI of the service's routes at `/docs` (JSON at `/docs-json`). */
function serveOpenApi(app: INestApplication, service: ServiceName): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(`Vigil ${service}`).setVersion(process.env.npm_package_version ?? '0.1.0').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document);
}

const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * SIGTERM/SIGINT: readiness turns 503 and, after `SHUTDOWN_DRAIN_MS` of serving on, the
 * listener closes: stop taking requests and let those in flight finish, then stop the
 * consumers (offsets committed), drain the outbox and close connections — the platform's
 * shutdown hooks — send the spans still buffered, and exit 0. Past 30 s the process gives up and exits 1.
 */
function stopGracefullyOnSignals(app: INestApplication, logger: Logger, drainMs: number): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    ShutdownState.draining = true;
    logger.log({ msg: 'shutting down', signal, drainMs });
    setTimeout(() => {
      logger.error({ msg: `shutdown took longer than ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting` });
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    const server = app.getHttpServer() as import('node:http').Server;
    new Promise<void>((resolve) => setTimeout(resolve, drainMs))
      .then(() => new Promise<void>((resolve) => server.close(() => resolve())))
      .then(() => app.close())
      .then(() => flushTraces())
      .then(
        () => process.exit(0),
        (error: Error) => {
          logger.error({ msg: 'shutdown failed', error: error.message });
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
