export const DocumentKinds = [
  'Tenant',
  'BusinessCalendar',
  'SLAPolicy',
  'MaintenanceWindow',
  'CreditSchedule',
  'EscalationPolicy',
  'NotificationChannel',
] as const;
export type DocumentKind = (typeof DocumentKinds)[number];

export const ServiceNames = ['alarm-ingestion', 'sla-calculator', 'escalation', 'notifier', 'reporting-api'] as const;
export type ServiceName = (typeof ServiceNames)[number];

/** Each kind of document is stored by exactly one service. */
export const DocumentOwners: Record<DocumentKind, ServiceName> = {
  Tenant: 'alarm-ingestion',
  BusinessCalendar: 'sla-calculator',
  SLAPolicy: 'sla-calculator',
  MaintenanceWindow: 'sla-calculator',
  CreditSchedule: 'sla-calculator',
  EscalationPolicy: 'escalation',
  NotificationChannel: 'notifier',
};

export const DefaultPorts: Record<ServiceName, number> = {
  'alarm-ingestion': 4001,
  'sla-calculator': 4002,
  escalation: 4003,
  notifier: 4004,
  'reporting-api': 4000,
};

/** The route every owning service answers `vigil apply` on. */
export const ConfigApplyRoute = '/api/v1/config/apply';

/** The notifier's route that sends failed (dead-lettered) deliveries again: `vigil notifications redrive`. */
export const NotificationsRedriveRoute = '/api/v1/notifications/redrive';

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

export interface ApplyResult {
  kind: DocumentKind;
  name: string;
  tenant: string;
  result: ApplyOutcome;
  generation: number;
}
