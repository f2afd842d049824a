import { HttpException, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, from, map, mergeMap, of, throwError, type Observable } from 'rxjs';
import { ReportFactsReader } from '../report-facts/report-facts.reader';
import { ReportCache } from './report-cache';

type Components = Record<string, ({ status?: string } & Record<string, unknown>) | undefined>;

/**
 * Read-only degraded mode, as `/health` and readiness show it: when the database is the only
 * thing down, reporting still answers from its cache, so it reports `degraded` (HTTP 200,
 * `mode: read-only-degraded`) rather than failing, and readiness keeps it in rotation.
 * `/health` also shows the cache: entries held and since when the database has been unreachable.
 */
@Injectable()
export class DegradedHealthInterceptor implements NestInterceptor {
  constructor(private readonly cache: ReportCache, private readonly reader: ReportFactsReader) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    if (request.method !== 'GET') return next.handle();
    const response = http.getResponse<Response>();
    if (request.path === '/health') {
      return next.handle().pipe(mergeMap((body) => from(this.reader.ping()).pipe(map((database) => this.overview(body as HealthOverview, database, response)))));
    }
    if (request.path === '/health/readiness') {
      return next.handle().pipe(
        map((body) => ({ ...(body as object), mode: 'read-write' })),
        catchError((error: unknown) => {
          const failing = error instanceof HttpException ? (error.getResponse() as { error?: Components }).error : undefined;
          if (failing && onlyDatabaseDown(failing)) {
            response.status(200);
            return of({ ...(error as HttpException).getResponse() as object, status: 'degraded', mode: 'read-only-degraded' });
          }
          return throwError(() => error);
        }),
      );
    }
    return next.handle();
  }

  /**
   * The platform's overview, with the database as reporting itself reaches it (a ping through
   * the reader's breaker) and the cache.
   */
  private overview(body: HealthOverview, database: Components[string], response: Response): HealthOverview {
    const { entries, unreachableSince } = this.cache.state();
    const components = { ...body.components, ...(database?.status === 'down' ? { database } : {}) };
    const degraded = onlyDatabaseDown(components, ['database', 'kafka', 'breakers']);
    const up = body.status === 'ok' && database?.status === 'up';
    response.status(up || degraded ? 200 : 503);
    return {
      ...body,
      status: up ? 'ok' : degraded ? 'degraded' : 'error',
      mode: up ? 'read-write' : degraded ? 'read-only-degraded' : 'unavailable',
      components: {
        ...components,
        reportCache: { status: 'up', entries, databaseUnreachableSince: unreachableSince === null ? null : new Date(unreachableSince).toISOString() },
      },
    };
  }
}

interface HealthOverview {
  status: string;
  components: Components;
  [key: string]: unknown;
}

/** The database is down and, of the components that decide health, nothing else is. */
function onlyDatabaseDown(components: Components, deciding: string[] = Object.keys(components)): boolean {
  return components.database?.status === 'down' && deciding.every((name) => name === 'database' || components[name]?.status !== 'down');
}
