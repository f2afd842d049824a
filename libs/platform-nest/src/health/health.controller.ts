import { Controller, Get, HttpCode, HttpException, Inject, Post, Param, NotFoundException, Req, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { OpenMetricsText, PrometheusText, renderMetrics } from '@vigil/observability';
import { PolicyRegistry } from '@vigil/resilience';
import { MessagingService } from '../messaging/messaging.service';
import { PLATFORM_OPTIONS, type PlatformOptions } from '../platform.options';
import { Authenticated } from '../auth/auth.guard';
import { VigilMetrics } from './vigil-metrics';
import { ShutdownState } from '../shutdown-state';

const startedAt = Date.now();
const version = process.env.VIGIL_VERSION ?? process.env.npm_package_version ?? '0.1.0';

/** `/health`, liveness and readiness, `/metrics` and `/reliability`, the same in every service. */
@Controller()
export class HealthController {
  constructor(
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingService,
    private readonly policies: PolicyRegistry,
    private readonly metrics: VigilMetrics,
  ) {}

  @Get('health')
  async overview(@Res({ passthrough: true }) res: Response) {
    const [database, kafka, outbox, lag] = await Promise.all([
      this.databaseUp().then(() => ({ status: 'up' }), (e: Error) => ({ status: 'down', error: e.message })),
      this.kafkaCheck().then(() => ({ status: 'up' }), (e: Error) => ({ status: 'down', error: e.message })),
      this.messaging.relay.backlog().then((backlog) => ({ status: this.messaging.relay.healthy ? 'up' : 'down', backlog, error: this.messaging.relay.error }), (e: Error) => ({ status: 'down', error: e.message })),
      this.messaging.consumerLag().catch(() => ({})),
    ]);
    const breakers = this.policies.snapshot().breakers;
    const openCritical = this.policies.openCriticalBreakers();
    const up = database.status === 'up' && kafka.status === 'up' && openCritical.length === 0;
    res.status(up ? 200 : 503);
    return {
      status: up ? 'ok' : 'error',
      service: this.options.service,
      version,
      timestamp: new Date().toISOString(),
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      components: { database, kafka, outbox, consumers: { status: 'up', lag }, breakers: { status: openCritical.length ? 'down' : 'up', open: openCritical, all: breakers } },
    };
  }

  /**
   * Resolves when PostgreSQL answers, rejects otherwise. Terminus 11's `pingCheck` reports an
   * unreachable database as a `down` result rather than by throwing, so the result is read.
   */
  private async databaseUp(): Promise<void> {
    const result = await this.db.pingCheck('database', { connection: this.dataSource, timeout: 2_000 });
    const database = result.database as { status?: string; message?: string } | undefined;
    if (database?.status !== 'up') throw new Error(database?.message ?? 'the database does not answer');
  }

  @Get('health/liveness')
  @HealthCheck()
  liveness() {
    return this.health.check([async () => ({ process: { status: 'up', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) } })]);
  }

  @Get('health/readiness')
  @HealthCheck()
  readiness() {
    return this.health.check([
      async (): Promise<HealthIndicatorResult> => {
        if (ShutdownState.draining) throw new HttpException({ shutdown: { status: 'down', reason: 'draining after SIGTERM' } }, 503);
        return { shutdown: { status: 'up' } };
      },
      () => this.db.pingCheck('database', { connection: this.dataSource, timeout: 2_000 }),
      async (): Promise<HealthIndicatorResult> => {
        await this.kafkaCheck();
        return { kafka: { status: 'up' } };
      },
      async (): Promise<HealthIndicatorResult> => {
        const open = this.policies.openCriticalBreakers();
        if (open.length > 0) throw new HttpException({ breakers: { status: 'down', open } }, 503);
        return { breakers: { status: 'up' } };
      },
    ]);
  }

  /**
   * Prometheus text, or OpenMetrics — with exemplars — when the scraper prefers it
   * (`Accept: application/openmetrics-text`, as Prometheus sends by default). Versions in
   * the Accept header are not compared: these are the versions every scraper reads (ADR 0019).
   */
  @Get('metrics')
  async prometheus(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<string> {
    const format = req.accepts()[0] === 'application/openmetrics-text' ? OpenMetricsText : PrometheusText;
    res.setHeader('Content-Type', format);
    res.setHeader('Vary', 'Accept');
    for (const b of this.policies.snapshot().breakers) this.metrics.breakerState.set({ breaker: b.name }, b.state === 'open' || b.state === 'isolated' ? 1 : 0);
    // The same checks as readiness, so "health failing" can be alerted on from the scrape.
    const [database, kafka] = await Promise.all([
      this.databaseUp().then(() => 1, () => 0),
      this.kafkaCheck().then(() => 1, () => 0),
    ]);
    const breakers = this.policies.openCriticalBreakers().length === 0 ? 1 : 0;
    this.metrics.componentUp.set({ component: 'database' }, database);
    this.metrics.componentUp.set({ component: 'kafka' }, kafka);
    this.metrics.componentUp.set({ component: 'breakers' }, breakers);
    this.metrics.ready.set(database && kafka && breakers);
    await this.countOverdueTimers();
    return renderMetrics(this.metrics.registry, format);
  }

  private hasTimers = false;

  /**
   * Lateness is only observed when a timer fires; a loop that stopped firing shows here
   * instead. Any service whose schema has the durable `timers` table is counted.
   */
  private async countOverdueTimers(): Promise<void> {
    const table = `${this.options.schema}.timers`;
    try {
      if (!this.hasTimers) {
        const [found] = await this.dataSource.query(`select to_regclass($1) is not null as found`, [table]);
        this.hasTimers = found.found === true;
        if (!this.hasTimers) return;
      }
      const [row] = await this.dataSource.query(
        `select count(*)::int as n from ${table} where fired_at is null and cancelled_at is null and coalesce(retry_at, due_at) < now() - interval '1 minute'`,
      );
      this.metrics.timersOverdue.set(row.n);
    } catch {
      this.metrics.timersOverdue.reset();
    }
  }

  @Get('reliability')
  reliability() {
    return { service: this.options.service, ...this.policies.snapshot() };
  }

  @Post('reliability/circuit-breakers/:name/reset')
  @HttpCode(200)
  @Authenticated('admin')
  reset(@Param('name') name: string) {
    if (!this.policies.reset(name)) throw new NotFoundException(`name: no circuit breaker called ${name}`);
    return { name, state: 'closed' };
  }

  private async kafkaCheck(): Promise<void> {
    if (!this.messaging.connected) throw new Error('producer not connected');
    await Promise.race([
      this.messaging.admin.describeCluster(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('kafka did not answer in 2 s')), 2_000).unref()),
    ]);
  }
}
