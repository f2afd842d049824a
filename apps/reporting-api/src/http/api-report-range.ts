import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';

/** OpenAPI of a report over a range of local days: the range's two parameters (named per endpoint), `service_id` and `as_of`. */
export function ApiReportRange(from: string, to: string) {
  return applyDecorators(
    ApiTags('reports'),
    ApiBearerAuth(),
    ApiQuery({ name: from, required: true, description: 'ISO date (a whole local day in the tenant\'s zone) or date-time' }),
    ApiQuery({ name: to, required: false, description: `ISO date (included) or date-time; default now. At most 90 days after ${from}` }),
    ApiQuery({ name: 'service_id', required: false }),
    ApiQuery({ name: 'as_of', required: false, description: 'ISO date-time: answer with the events recorded up to then' }),
  );
}
