import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { isDatabaseUnavailable } from '@vigil/persistence';
import { isBrokenCircuit } from '@vigil/resilience';

export const RetryAfterSeconds = 5;

/** Dependency outages answer 503 with Retry-After; anything unexpected is a 500 without a stack. */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const asked = typeof body === 'object' && body !== null ? (body as { retryAfterSeconds?: number }).retryAfterSeconds : undefined;
      if (status === 503 || status === 429) response.setHeader('Retry-After', String(asked ?? RetryAfterSeconds));
      response.status(status).json(typeof body === 'string' ? { statusCode: status, message: body } : body);
      return;
    }
    if (isDatabaseUnavailable(exception) || isBrokenCircuit(exception)) {
      this.logger.warn({ msg: 'database unavailable', error: (exception as Error).message });
      response.setHeader('Retry-After', String(RetryAfterSeconds));
      response.status(503).json({ statusCode: 503, error: 'Service Unavailable', message: 'the database is unreachable; retry later' });
      return;
    }
    this.logger.error({ msg: 'unhandled error', error: (exception as Error)?.message, stack: (exception as Error)?.stack });
    response.status(500).json({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
  }
}
