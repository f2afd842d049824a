import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import { assertNever, type EscalationPolicySpec, type Severity } from '@vigil/contracts';
import { MessagingService, TimerService, VigilMetrics } from '@vigil/platform-nest';
import { evolve, type Escalation, type EscalationFact, type EscalationReason, type EscalationStatus } from '../domain/escalation.decider';
import type { Step } from '../domain/escalation-policy.rules';
import { escalationEventFor, timelineDetail, type Cause } from './escalation-events.mapper';

/** Durable timer kind of a level waiting to fire; subject `<escalationId>/<round>/<level>`. */
export const EscalationLevelTimer = 'escalation-level';

export function levelTimerSubject(escalationId: string, step: Pick<Step, 'round' | 'level'>): string {
  return `${escalationId}/${step.round}/${step.level}`;
}

export function parseLevelTimerSubject(subject: string): { escalationId: string; round: number; level: number } | undefined {
  const match = /^([0-9a-f-]{36})\/(\d+)\/(\d+)$/i.exec(subject);
  return match ? { escalationId: match[1], round: Number(match[2]), level: Number(match[3]) } : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TimelineEntry {
  type: EscalationFact['type'];
  at: string;
  [detail: string]: unknown;
}

/** Whether to lock the row: `update` waits for it, `nowait` fails at once when another transaction holds it. */
export type RowLock = 'none' | 'update' | 'nowait';

/**
 * The escalation read/write model. `record` is the one way state changes: it folds the
 * facts, writes the row and its timeline, appends the events to the outbox and moves
 * the level timers — all in the caller's transaction.
 */
@Injectable()
export class EscalationStore {
  private readonly opened: Counter;
  private readonly levelsTriggered: Counter<'level'>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingService,
    private readonly timers: TimerService,
    metrics: VigilMetrics,
  ) {
    // Counted inside the transaction: a rolled-back attempt that is retried counts twice (rare; metrics, not records).
    this.opened = new Counter({ name: 'vigil_escalations_opened_total', help: 'Escalations opened', registers: [metrics.registry] });
    this.levelsTriggered = new Counter({ name: 'vigil_escalation_levels_triggered_total', help: 'Escalation levels paged, by level', labelNames: ['level'], registers: [metrics.registry] });
  }

  /** The alarm's open or acknowledged escalation, locked for the rest of the transaction. */
  async findActive(manager: EntityManager, tenantId: string, alarmKey: string): Promise<Escalation | undefined> {
    const [row] = await manager.query(
      `select * from escalation.escalations where tenant_id = $1 and alarm_key = $2 and status <> 'resolved' for update`,
      [tenantId, alarmKey],
    );
    return row ? toEscalation(row) : undefined;
  }

  /** One of the tenant's escalations; another tenant's, or an id that is not a UUID, is not found. */
  async findById(manager: EntityManager, tenantId: string, id: string, lock: RowLock = 'none'): Promise<Escalation | undefined> {
    if (!UUID.test(id)) return undefined;
    const suffix = lock === 'update' ? ' for update' : lock === 'nowait' ? ' for update nowait' : '';
    const [row] = await manager.query(`select * from escalation.escalations where tenant_id = $1 and id = $2${suffix}`, [tenantId, id]);
    return row ? toEscalation(row) : undefined;
  }

  async record(manager: EntityManager, before: Escalation | undefined, facts: EscalationFact[], cause?: Cause): Promise<Escalation | undefined> {
    let state = before;
    for (const fact of facts) {
      state = evolve(state, fact);
      const message = escalationEventFor(state, fact, cause);
      if (fact.type === 'opened') await this.insert(manager, state);
      await manager.query(
        `insert into escalation.escalation_timeline (escalation_id, seq, type, at, detail, event_id) values ($1, $2, $3, $4, $5::jsonb, $6)`,
        [state.id, state.version, fact.type, fact.at.toISOString(), JSON.stringify(timelineDetail(fact)), message?.event.id ?? null],
      );
      if (message) await this.messaging.publish(manager, [message]);
      await this.moveTimers(manager, state, fact, facts[0]?.type === 'opened');
      if (fact.type === 'opened') this.opened.inc();
      if (fact.type === 'level-triggered') this.levelsTriggered.inc({ level: String(fact.level) });
    }
    if (state && facts.length > 0) await this.update(manager, state);
    return state;
  }

  private async moveTimers(manager: EntityManager, state: Escalation, fact: EscalationFact, openedNow: boolean): Promise<void> {
    switch (fact.type) {
      case 'opened':
      case 'level-triggered':
        // Level 0 paged at once, in the decision that opened the escalation, leaves the
        // timer the opening scheduled for it nothing to do: cancel it rather than let it fire idle.
        if (fact.type === 'level-triggered' && openedNow) {
          await this.timers.timers.cancel(manager, state.tenantId, EscalationLevelTimer, levelTimerSubject(state.id, fact));
        }
        if (fact.next) {
          await this.timers.timers.schedule(manager, {
            tenantId: state.tenantId,
            kind: EscalationLevelTimer,
            subject: levelTimerSubject(state.id, fact.next),
            dueAt: fact.next.dueAt,
          });
        }
        return;
      case 'acknowledged':
      case 'resolved':
        await this.timers.timers.cancelWhere(manager, state.tenantId, `${state.id}/`);
        return;
      case 'urgency-raised':
        return;
      default:
        assertNever(fact);
    }
  }

  private async insert(manager: EntityManager, e: Escalation): Promise<void> {
    await manager.query(
      `insert into escalation.escalations (id, tenant_id, alarm_key, service_id, severity, summary, policy, policy_spec, status, reason, opened_at, version)
       values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::jsonb, $11, $12)`,
      [e.id, e.tenantId, e.alarm.alarmKey, e.alarm.serviceId, e.alarm.severity, e.alarm.summary, e.policy.name,
        JSON.stringify(e.policy.spec), e.status, JSON.stringify(e.reason), e.openedAt.toISOString(), e.version],
    );
  }

  private async update(manager: EntityManager, e: Escalation): Promise<void> {
    await manager.query(
      `update escalation.escalations set status = $3, reason = $4::jsonb,
         last_round = $5, last_level = $6, last_triggered_at = $7,
         next_round = $8, next_level = $9, next_round_started_at = $10, next_due_at = $11,
         acknowledged_at = $12, acknowledged_by = $13, resolved_at = $14, version = $15, updated_at = now()
       where tenant_id = $1 and id = $2`,
      [e.tenantId, e.id, e.status, JSON.stringify(e.reason),
        e.lastTriggered?.round ?? null, e.lastTriggered?.level ?? null, e.lastTriggered?.at.toISOString() ?? null,
        e.next?.round ?? null, e.next?.level ?? null, e.next?.roundStartedAt.toISOString() ?? null, e.next?.dueAt.toISOString() ?? null,
        e.acknowledgedAt?.toISOString() ?? null, e.acknowledgedBy ?? null, e.resolvedAt?.toISOString() ?? null, e.version],
    );
  }

  /** The tenant's escalations, newest first, each with its timeline. */
  async list(tenantId: string, status: EscalationStatus | undefined, limit: number): Promise<Array<{ escalation: Escalation; timeline: TimelineEntry[] }>> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `select * from escalation.escalations where tenant_id = $1 and ($2::text is null or status = $2) order by opened_at desc, id limit $3`,
      [tenantId, status ?? null, limit],
    );
    const timelines = await this.timelines(rows.map((r) => r.id as string));
    return rows.map((row) => ({ escalation: toEscalation(row), timeline: timelines.get(row.id as string) ?? [] }));
  }

  async timelines(ids: string[]): Promise<Map<string, TimelineEntry[]>> {
    const byId = new Map<string, TimelineEntry[]>();
    if (ids.length === 0) return byId;
    const rows: Array<{ escalation_id: string; type: TimelineEntry['type']; at: Date; detail: Record<string, unknown> }> = await this.dataSource.query(
      `select escalation_id, type, at, detail from escalation.escalation_timeline where escalation_id = any($1::uuid[]) order by escalation_id, seq`,
      [ids],
    );
    for (const row of rows) {
      const list = byId.get(row.escalation_id) ?? [];
      list.push({ type: row.type, at: new Date(row.at).toISOString(), ...row.detail });
      byId.set(row.escalation_id, list);
    }
    return byId;
  }
}

function date(value: unknown): Date | undefined {
  return value === null || value === undefined ? undefined : new Date(value as string | Date);
}

function toEscalation(row: Record<string, unknown>): Escalation {
  const lastTriggeredAt = date(row.last_triggered_at);
  const nextDueAt = date(row.next_due_at);
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    alarm: { alarmKey: row.alarm_key as string, serviceId: row.service_id as string, severity: row.severity as Severity, summary: row.summary as string },
    policy: { name: row.policy as string, spec: row.policy_spec as EscalationPolicySpec },
    status: row.status as EscalationStatus,
    reason: row.reason as EscalationReason,
    openedAt: date(row.opened_at)!,
    lastTriggered: lastTriggeredAt ? { round: row.last_round as number, level: row.last_level as number, at: lastTriggeredAt } : undefined,
    next: nextDueAt
      ? { round: row.next_round as number, level: row.next_level as number, roundStartedAt: date(row.next_round_started_at)!, dueAt: nextDueAt }
      : undefined,
    acknowledgedAt: date(row.acknowledged_at),
    acknowledgedBy: (row.acknowledged_by as string | null) ?? undefined,
    resolvedAt: date(row.resolved_at),
    version: row.version as number,
  };
}
