import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayNotEmpty, Equals, IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsISO8601, IsNotEmpty, IsNumber, IsObject, IsOptional, IsString,
  IsTimeZone, IsUrl, Matches, Max, Min, ValidateBy, ValidateNested, validateSync, type ValidationOptions,
} from 'class-validator';
import { describeValidationErrors } from '../events/envelope';
import { EscalationTriggers, type EscalationTrigger } from '../events/escalation-events';
import { Severities, type Severity } from '../events/severity';
import { isDuration } from './duration';
import { DocumentKinds, type DocumentKind } from './document-kinds';

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const NAME_RULE = 'must be a lowercase name of letters, digits and dashes (at most 63)';
const TIME_RANGE = /^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
// A DNS name or an IPv4/IPv6 address; no scheme, port or path.
const HOST = /^(\[?[0-9a-fA-F:]+\]?|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)$/;
export const Weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof Weekdays)[number];

function IsDuration(options?: ValidationOptions) {
  return ValidateBy(
    { name: 'isDuration', validator: { validate: isDuration, defaultMessage: (a) => `${a?.property} must be a duration like 30s, 15m, 4h or 2d` } },
    options,
  );
}

function IsServiceList(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isServiceList',
      validator: {
        validate: (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0),
        defaultMessage: (a) => `${a?.property} must be a non-empty list of service ids or "*"`,
      },
    },
    options,
  );
}

export class Metadata {
  @IsString() @Matches(NAME, { message: `name ${NAME_RULE}` }) name: string;
  @IsOptional() @IsString() @Matches(NAME, { message: `tenant ${NAME_RULE}` }) tenant?: string;
  @IsOptional() @IsObject() labels?: Record<string, string>;
}

export class LabelMapping {
  @IsOptional() @IsString() @IsNotEmpty() service?: string;
  @IsOptional() @IsString() @IsNotEmpty() severity?: string;
}

export class TenantSpec {
  @IsOptional() @IsString() displayName?: string;
  @IsTimeZone({ message: 'timezone must be an IANA time zone such as Europe/Berlin' }) timezone: string;
  /** Which Alertmanager labels carry the service and the severity. */
  @IsOptional() @ValidateNested() @Type(() => LabelMapping) labelMapping?: LabelMapping;
}

export class WorkingHours {
  @IsOptional() @IsArray() @Matches(TIME_RANGE, { each: true, message: 'monday must list ranges like "09:00-17:00"' }) monday?: string[];
  @IsOptional() @IsArray() @Matches(TIME_RANGE, { each: true, message: 'tuesday must list ranges like "09:00-17:00"' }) tuesday?: string[];
  @IsOptional() @IsArray() @Matches(TIME_RANGE, { each: true, message: 'wednesday must list ranges like "09:00-17:00"' }) wednesday?: string[];
  @IsOptional() @IsArray() @Matches(TIME_RANGE, { each: true, message: 'thursday must list ranges like "09:00-17:00"' }) thursday?: string[];
  @IsOptional() @IsArray() @Matches(TIME_RANGE, { each: true, message: 'friday must list ranges like "09:00-17:00"' }) friday?: string[];
  @IsOptional() @IsArray() @Matches(TIME_RANGE, { each: true, message: 'saturday must list ranges like "09:00-17:00"' }) saturday?: string[];
  @IsOptional() @IsArray() @Matches(TIME_RANGE, { each: true, message: 'sunday must list ranges like "09:00-17:00"' }) sunday?: string[];
}

export class BusinessCalendarSpec {
  @IsOptional() @IsTimeZone({ message: 'timezone must be an IANA time zone such as Europe/Berlin' }) timezone?: string;
  @IsObject() @ValidateNested() @Type(() => WorkingHours) workingHours: WorkingHours;
  @IsOptional() @IsArray() @Matches(DATE, { each: true, message: 'holidays must be dates like 2026-12-24' }) holidays?: string[];
}

export class LabelSelector {
  @IsObject() matchLabels: Record<string, string>;
}

export class AtRiskRules {
  @IsOptional() @IsArray() @IsNumber({}, { each: true }) @Min(0, { each: true }) @Max(1, { each: true }) budgetConsumed?: number[];
  @IsOptional() @IsIn(['default', 'none']) burnRate?: 'default' | 'none';
}

export class ResolutionObjectives {
  @IsOptional() @IsDuration() critical?: string;
  @IsOptional() @IsDuration() major?: string;
  @IsOptional() @IsDuration() minor?: string;
  @IsOptional() @IsDuration() warning?: string;
  @IsOptional() @IsDuration() info?: string;
}

export class SLAPolicySpec {
  @IsIn(['availability', 'resolution']) type: 'availability' | 'resolution';
  @IsOptional() @IsServiceList() services?: string[];
  @IsOptional() @ValidateNested() @Type(() => LabelSelector) selector?: LabelSelector;
  // availability
  @IsOptional() @IsNumber() @Min(0) @Max(100) objective?: number;
  @IsOptional() @IsIn(['calendar-month', 'calendar-day', 'rolling-30d']) window?: 'calendar-month' | 'calendar-day' | 'rolling-30d';
  @IsOptional() @IsArray() @ArrayNotEmpty() @IsIn(Severities, { each: true }) countedSeverities?: Severity[];
  @IsOptional() @IsIn(['exclude', 'count-as-uptime']) maintenance?: 'exclude' | 'count-as-uptime';
  @IsOptional() @IsDuration() minimumOutage?: string;
  @IsOptional() @ValidateNested() @Type(() => AtRiskRules) atRisk?: AtRiskRules;
  @IsOptional() @IsString() creditSchedule?: string;
  @IsOptional() @IsIn(['to-date', 'projection']) periodInProgress?: 'to-date' | 'projection';
  // resolution
  @IsOptional() @IsString() calendar?: string;
  @IsOptional() @ValidateNested() @Type(() => ResolutionObjectives) objectives?: ResolutionObjectives;
  @IsOptional() @IsNumber() @Min(0) @Max(1) atRiskFraction?: number;
}

export class MaintenanceWindowSpec {
  @IsServiceList() services: string[];
  @IsISO8601({ strict: true }) from: string;
  @IsISO8601({ strict: true }) to: string;
  @IsOptional() @IsString() reason?: string;
}

export class CreditTier {
  @IsNumber() @Min(0) @Max(100) below: number;
  @IsNumber() @Min(0) @Max(100) credit: number;
}

export class CreditScheduleSpec {
  @IsArray() @ArrayNotEmpty() @ValidateNested({ each: true }) @Type(() => CreditTier) tiers: CreditTier[];
}

export class EscalationMatch {
  @IsOptional() @IsArray() @IsIn(Severities, { each: true }) severities?: Severity[];
  @IsOptional() @IsServiceList() services?: string[];
  @IsOptional() @IsObject() labels?: Record<string, string>;
}

export class EscalationLevel {
  @IsDuration() after: string;
  @IsArray() @ArrayNotEmpty() @IsString({ each: true }) notify: string[];
}

export class EscalationPolicySpec {
  @IsArray() @ArrayNotEmpty() @IsIn(EscalationTriggers, { each: true }) on: EscalationTrigger[];
  @IsOptional() @ValidateNested() @Type(() => EscalationMatch) match?: EscalationMatch;
  @IsArray() @ArrayNotEmpty() @ValidateNested({ each: true }) @Type(() => EscalationLevel) levels: EscalationLevel[];
  @IsOptional() @IsInt() @Min(0) @Max(100) repeat?: number;
}

export const ChannelTypes = ['webhook', 'slack', 'email', 'pagerduty'] as const;
export type ChannelType = (typeof ChannelTypes)[number];

/** SMTP login of an email channel. `pass` is a credential: never logged, never in a dead letter. */
export class SmtpAuth {
  @IsString() @IsNotEmpty() user: string;
  @IsString() @IsNotEmpty() pass: string;
}

/** Where PagerDuty's Events API v2 takes events unless a channel names another `url`. */
export const PagerDutyEventsUrl = 'https://events.pagerduty.com/v2/enqueue';

/**
 * One channel's spec. Which fields apply depends on `type`:
 * - `webhook`: `url`, optional `secret` (HMAC-SHA256 signature);
 * - `slack`: `url` (the incoming webhook);
 * - `email`: `host`, `port`, `from`, `to`, optional `secure` (TLS from the first byte,
 *   usually port 465; otherwise STARTTLS when the server offers it) and `auth`;
 * - `pagerduty`: `routingKey` (the integration key), optional `url` (Events API v2
 *   endpoint, default {@link PagerDutyEventsUrl}).
 */
export class NotificationChannelSpec {
  @IsIn(ChannelTypes) type: ChannelType;
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }) url?: string;
  @IsOptional() @IsString() secret?: string;
  @IsOptional() @IsString() @Matches(HOST, { message: 'host must be a host name or an IP address, without scheme or port' }) host?: string;
  @IsOptional() @IsInt() @Min(1) @Max(65535) port?: number;
  @IsOptional() @IsBoolean() secure?: boolean;
  @IsOptional() @ValidateNested() @Type(() => SmtpAuth) auth?: SmtpAuth;
  @IsOptional() @IsEmail({ allow_display_name: true, require_tld: false }, { message: 'from must be an email address, optionally with a name: Vigil <vigil@example.com>' })
  from?: string;
  @IsOptional() @IsArray() @ArrayNotEmpty() @IsEmail({ require_tld: false }, { each: true, message: 'to must list email addresses' }) to?: string[];
  @IsOptional() @IsString() @IsNotEmpty() routingKey?: string;
  @IsOptional() @IsBoolean() enabled?: boolean;
}

/** The spec fields each channel type reads; any other (but `type` and `enabled`) is a mistake worth naming. */
const ChannelFields: Record<ChannelType, ReadonlyArray<keyof NotificationChannelSpec>> = {
  webhook: ['url', 'secret'],
  slack: ['url'],
  email: ['host', 'port', 'secure', 'auth', 'from', 'to'],
  pagerduty: ['routingKey', 'url'],
};
const ChannelRequired: Record<ChannelType, ReadonlyArray<keyof NotificationChannelSpec>> = {
  webhook: ['url'],
  slack: ['url'],
  email: ['host', 'port', 'from', 'to'],
  pagerduty: ['routingKey'],
};

function channelProblems(spec: NotificationChannelSpec): string[] {
  const problems: string[] = [];
  const a = /^[aeiou]/.test(spec.type) ? 'an' : 'a';
  for (const field of ChannelRequired[spec.type]) {
    if (spec[field] === undefined) problems.push(`spec.${field}: is required for ${a} ${spec.type} channel`);
  }
  for (const field of Object.keys(spec) as Array<keyof NotificationChannelSpec>) {
    if (field === 'type' || field === 'enabled' || ChannelFields[spec.type].includes(field)) continue;
    problems.push(`spec.${field}: is not used by ${a} ${spec.type} channel (it takes ${ChannelFields[spec.type].join(', ')})`);
  }
  return problems;
}

export const SpecClasses = {
  Tenant: TenantSpec,
  BusinessCalendar: BusinessCalendarSpec,
  SLAPolicy: SLAPolicySpec,
  MaintenanceWindow: MaintenanceWindowSpec,
  CreditSchedule: CreditScheduleSpec,
  EscalationPolicy: EscalationPolicySpec,
  NotificationChannel: NotificationChannelSpec,
} as const satisfies Record<DocumentKind, new () => object>;

export type SpecOf<K extends DocumentKind> = InstanceType<(typeof SpecClasses)[K]>;

export interface ConfigDocument<K extends DocumentKind = DocumentKind> {
  apiVersion: 'vigil/v1';
  kind: K;
  metadata: { name: string; tenant?: string; labels?: Record<string, string> };
  spec: SpecOf<K>;
}

class DocumentShape {
  @Equals('vigil/v1', { message: 'apiVersion must be vigil/v1' }) apiVersion: string;
  @IsIn(DocumentKinds, { message: `kind must be one of ${DocumentKinds.join(', ')}` }) kind: DocumentKind;
  @ValidateNested() @Type(() => Metadata) metadata: Metadata;
  @IsObject() spec: Record<string, unknown>;
}

export class InvalidDocumentError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid document: ${problems.join('; ')}`);
  }
}

function crossFieldProblems(doc: ConfigDocument): string[] {
  const problems: string[] = [];
  if (doc.kind !== 'Tenant' && !doc.metadata.tenant) problems.push('metadata.tenant: is required for a ' + doc.kind);
  if (doc.kind === 'SLAPolicy') {
    const spec = doc.spec as SLAPolicySpec;
    if (!spec.services && !spec.selector) problems.push('spec.services: list service ids, "*", or give spec.selector');
    if (spec.type === 'availability' && spec.objective === undefined) problems.push('spec.objective: is required for an availability policy');
    if (spec.type === 'resolution' && (!spec.objectives || Object.keys(spec.objectives).length === 0))
      problems.push('spec.objectives: a resolution policy needs at least one severity objective');
  }
  if (doc.kind === 'MaintenanceWindow') {
    const spec = doc.spec as MaintenanceWindowSpec;
    if (Date.parse(spec.from) >= Date.parse(spec.to)) problems.push('spec.to: must be after spec.from');
  }
  if (doc.kind === 'NotificationChannel') {
    problems.push(...channelProblems(doc.spec as NotificationChannelSpec));
  }
  return problems;
}

/** Validates a document as a user wrote it; every problem names its path and rule. */
export function validateDocument(raw: unknown): ConfigDocument {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidDocumentError(['document: must be a mapping']);
  const shape = plainToInstance(DocumentShape, raw);
  const problems = describeValidationErrors(validateSync(shape, { whitelist: true, forbidNonWhitelisted: true }));
  if (problems.length > 0) throw new InvalidDocumentError(problems);
  const spec = plainToInstance(SpecClasses[shape.kind] as new () => object, shape.spec);
  const specProblems = describeValidationErrors(validateSync(spec, { forbidUnknownValues: false, whitelist: true, forbidNonWhitelisted: true }), 'spec');
  if (specProblems.length > 0) throw new InvalidDocumentError(specProblems);
  const doc = raw as ConfigDocument;
  const cross = crossFieldProblems(doc);
  if (cross.length > 0) throw new InvalidDocumentError(cross);
  return doc;
}

/** Whether a service id is selected by a list of ids or `*`. */
export function selectsService(services: readonly string[] | undefined, serviceId: string): boolean {
  return services === undefined || services.includes('*') || services.includes(serviceId);
}
