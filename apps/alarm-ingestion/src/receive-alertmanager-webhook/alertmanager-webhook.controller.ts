import { Body, Controller, HttpCode, Logger, Post, UseFilters } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Principal } from '@vigil/auth';
import { isDatabaseUnavailable } from '@vigil/persistence';
import { Authenticated, ConfigDocumentsService, CurrentPrincipal, badRequest, fieldProblems } from '@vigil/platform-nest';
import { PolicyRegistry, type IPolicy } from '@vigil/resilience';
import { RecordAlarmsErrorsFilter } from '../record-alarms/record-alarms.errors';
import { RecordAlarmsHandler } from '../record-alarms/record-alarms.handler';
import { AlertmanagerWebhookDto } from './alertmanager-webhook.dto';
import {
  DefaultLabelMapping, alertOutcome, alertmanagerProblems, planAlertmanagerChanges, type AlertOutcome, type LabelMapping,
} from './map-alertmanager-alerts';

export interface AlertmanagerWebhookResponse {
  results: AlertOutcome[];
  /** Alerts of the group Alertmanager left out (`max_alerts`): Vigil never saw them. */
  truncatedAlerts?: number;
}

/**
 * Alertmanager's `webhook_config` receiver. Point it at this URL with
 * `http_config.authorization.credentials: <vigil token>`; Alertmanager retries 5xx and
 * never 4xx, so only a payload that can never be recorded gets a 400.
 */
@UseFilters(RecordAlarmsErrorsFilter)
@Controller('api/v1/integrations/alertmanager')
export class AlertmanagerWebhookController {
  private readonly logger = new Logger(AlertmanagerWebhookController.name);
  /** The same named breaker the event store goes through: a dead database answers 503 at once. */
  private readonly database: IPolicy;

  constructor(private readonly handler: RecordAlarmsHandler, private readonly documents: ConfigDocumentsService, policies: PolicyRegistry) {
    this.database = policies.breaker('database', { critical: true, isFailure: isDatabaseUnavailable });
  }

  @Post()
  @HttpCode(202)
  @Authenticated('alarms:write')
  async receive(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<AlertmanagerWebhookResponse> {
    const payload = await parsePayload(body);
    const mapping = await this.labelMapping(principal.tenantId);
    const problems = alertmanagerProblems(payload, mapping, Date.now());
    if (problems.length > 0) throw badRequest(problems);
    const plans = planAlertmanagerChanges(payload, mapping, new Date().toISOString());
    const changes = plans.flatMap((plan) => plan.changes);
    const { results } = changes.length > 0 ? await this.handler.record(principal.tenantId, changes) : { results: [] };
    let next = 0;
    const response: AlertmanagerWebhookResponse = {
      results: plans.map((plan) => alertOutcome(plan, results.slice(next, (next += plan.changes.length)))),
    };
    if (payload.truncatedAlerts) {
      this.logger.warn({ msg: 'alertmanager truncated the group: raise max_alerts', tenantId: principal.tenantId, groupKey: payload.groupKey, truncatedAlerts: payload.truncatedAlerts });
      response.truncatedAlerts = payload.truncatedAlerts;
    }
    return response;
  }

  /** The tenant's `spec.labelMapping`, else the labels `service` and `severity`. */
  private async labelMapping(tenantId: string): Promise<LabelMapping> {
    const tenant = await this.database.execute(() => this.documents.get(tenantId, 'Tenant', tenantId));
    return { ...DefaultLabelMapping, ...tenant?.spec.labelMapping };
  }
}

async function parsePayload(body: unknown): Promise<AlertmanagerWebhookDto> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest([{ field: 'body', rule: 'isObject', message: 'must be an Alertmanager webhook notification (a JSON object)' }]);
  }
  // Another payload version may mean other fields: naming the version is the useful answer.
  const version = (body as { version?: unknown }).version;
  if (version !== '4') {
    throw badRequest([{ field: 'version', rule: 'equals', message: `must be "4" (Alertmanager webhook payload version 4), not ${version === undefined ? 'missing' : String(JSON.stringify(version)).slice(0, 40)}` }]);
  }
  const payload = plainToInstance(AlertmanagerWebhookDto, body);
  const problems = fieldProblems(await validate(payload, { forbidUnknownValues: false }));
  if (problems.length > 0) throw badRequest(problems);
  return payload;
}
