import { Global, Logger, Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DataSource, type MigrationInterface } from 'typeorm';
import { DocumentOwners, type DocumentKind } from '@vigil/contracts';
import { TokenVerifier, authConfigFromEnv } from '@vigil/auth';
import { messagingMigrations } from '@vigil/messaging';
import { loadConfig, loggerOptions } from '@vigil/observability';
import { autovacuumRuns, openDatabase, timerOrderMigration, timerRetentionMigration, timerRetriesMigration, timersMigration } from '@vigil/persistence';
import { PolicyRegistry } from '@vigil/resilience';
import { AuthGuard } from './auth/auth.guard';
import { BASE_CONFIG, BaseConfig } from './base.config';
import { ConfigDocumentsController } from './config-documents/config-documents.controller';
import { configDocumentsMigration } from './config-documents/config-documents.migration';
import { ConfigDocumentsService } from './config-documents/config-documents.service';
import { HealthController } from './health/health.controller';
import { HttpMetricsMiddleware } from './http/http-metrics.middleware';
import { VigilMetrics } from './health/vigil-metrics';
import { MessagingService } from './messaging/messaging.service';
import { TimerService } from './messaging/timer.service';
import { KAFKA_SOCKET_FACTORY, PLATFORM_OPTIONS, type PlatformOptions } from './platform.options';
import { RETENTION_CONFIG, loadRetentionConfig } from './retention/retention.config';
import { RetentionService } from './retention/retention.service';

/** Every migration of a service's schema, in order: the platform's tables first, then the service's own. */
export function serviceMigrations(options: Pick<PlatformOptions, 'schema' | 'timers' | 'migrations'>): Array<new () => MigrationInterface> {
  return [
    ...messagingMigrations(options.schema),
    configDocumentsMigration(options.schema),
    ...(options.timers
      ? [timersMigration(options.schema), timerRetriesMigration(options.schema), timerOrderMigration(options.schema), timerRetentionMigration(options.schema)]
      : []),
    ...(options.migrations ?? []),
  ];
}

/**
 * What every Vigil service stands on: validated config, JSON logs, its schema migrated,
 * Kafka with outbox relay and idempotent consumers, durable timers, retention, auth, health,
 * metrics, reliability and — for services that own configuration kinds — `vigil apply`.
 */
@Global()
@Module({})
export class PlatformModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }

  static forService(options: PlatformOptions): DynamicModule {
    const ownsDocuments = (Object.keys(DocumentOwners) as DocumentKind[]).some((k) => DocumentOwners[k] === options.service);
    const providers: Provider[] = [
      { provide: PLATFORM_OPTIONS, useValue: options },
      { provide: KAFKA_SOCKET_FACTORY, useValue: null },
      { provide: BASE_CONFIG, useFactory: () => loadConfig(BaseConfig) },
      { provide: RETENTION_CONFIG, useFactory: () => loadRetentionConfig() },
      {
        provide: DataSource,
        inject: [BASE_CONFIG],
        useFactory: async (config: BaseConfig) => {
          const dataSource = await openDatabase({
            url: config.DATABASE_URL,
            schema: options.schema,
            applicationName: options.service,
            entities: options.entities,
            poolSize: config.DATABASE_POOL_SIZE,
            migrations: serviceMigrations(options),
          });
          if (!(await autovacuumRuns(dataSource))) {
            new Logger('Database').warn({ msg: 'PostgreSQL runs with autovacuum off: without table statistics queries slow down as tables grow; turn it on, or analyze regularly (RUNBOOK)' });
          }
          return dataSource;
        },
      },
      { provide: TokenVerifier, useFactory: () => TokenVerifier.create(authConfigFromEnv()) },
      { provide: PolicyRegistry, inject: [BASE_CONFIG], useFactory: (config: BaseConfig) => new PolicyRegistry({ halfOpenAfterMs: config.RESILIENCE_BREAKER_HALF_OPEN_MS }) },
      VigilMetrics,
      MessagingService,
      AuthGuard,
      ConfigDocumentsService,
      ...(options.timers ? [TimerService] : []),
      RetentionService,
    ];
    return {
      module: PlatformModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        LoggerModule.forRootAsync({
          useFactory: () => ({
          pinoHttp: {
            ...loggerOptions(options.service, loadConfig(BaseConfig).LOG_LEVEL),
            genReqId: (req: IncomingMessage) => (req.headers['x-correlation-id'] as string | undefined) ?? randomUUID(),
            customAttributeKeys: { reqId: 'correlationId' },
            // On every line of the request, not only inside `req`: correlation id and tenant (once authenticated).
            customProps: (req: IncomingMessage) => ({
              correlationId: (req as IncomingMessage & { id?: unknown }).id,
              tenantId: (req as IncomingMessage & { principal?: { tenantId: string } }).principal?.tenantId,
            }),
            autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)/.test(req.url ?? '') },
          },
          }),
        }),
      ],
      controllers: [HealthController, ...(ownsDocuments ? [ConfigDocumentsController] : [])],
      providers,
      exports: providers,
    };
  }
}
