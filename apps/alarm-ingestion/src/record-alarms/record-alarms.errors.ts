import { Catch, HttpException, HttpStatus, UnprocessableEntityException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ErrorsFilter } from '@vigil/platform-nest';

/** A request no retry records: it is about the request itself, whichever way it came in. */
export class AlarmChangesRejectedError extends Error {}

export class IdempotencyKeyReusedError extends AlarmChangesRejectedError {
  constructor(readonly header: string) {
    super(`${header}: was already used for a different request`);
  }
}

/** The tenant is over its rate of alarm changes: the same request may succeed later. */
export class TenantOverRateError extends Error {
  constructor(readonly tenantId: string, readonly retryAfterSeconds: number) {
    super(`tenant ${tenantId} is over its rate of alarm changes; retry after ${retryAfterSeconds} s`);
  }
}

/** How HTTP answers them: 422 for a rejected request, 429 with `Retry-After` over the rate. */
export function toHttpException(error: AlarmChangesRejectedError | TenantOverRateError): HttpException {
  if (error instanceof TenantOverRateError) {
    return new HttpException(
      { statusCode: 429, error: 'Too Many Requests', message: error.message, retryAfterSeconds: error.retryAfterSeconds },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
  return new UnprocessableEntityException(error.message);
}

/** The ingestion routes' answer to the recording's domain errors; everything else as the platform answers it. */
@Catch(AlarmChangesRejectedError, TenantOverRateError)
export class RecordAlarmsErrorsFilter implements ExceptionFilter {
  private readonly platform = new ErrorsFilter();

  catch(error: AlarmChangesRejectedError | TenantOverRateError, host: ArgumentsHost): void {
    this.platform.catch(toHttpException(error), host);
  }
}
