import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SlaWindowKinds, type SlaWindowKind } from '@vigil/contracts';
import { ClockStates, type ClockState } from '../resolution-clocks/resolution-clock.decider';

export class SlaWindowView {
  @ApiProperty({ enum: SlaWindowKinds }) kind: SlaWindowKind;
  @ApiProperty({ example: '2026-11', description: 'The local month or day; `rolling-30d` for the rolling window' }) key: string;
  @ApiProperty({ example: '2026-11-01T00:00:00+01:00' }) start: string;
  @ApiProperty({ example: '2026-12-01T00:00:00+01:00' }) end: string;
}

export class ErrorBudgetView {
  @ApiProperty({ example: 43.2 }) totalMinutes: number;
  @ApiProperty({ example: 21.6 }) usedMinutes: number;
  @ApiProperty({ example: 21.6 }) leftMinutes: number;
  @ApiPropertyOptional({ example: 0.5, description: 'Used / total; absent when infinite (downtime against a 100 % objective)' }) consumed?: number;
}

export class BurnRateView {
  @ApiProperty({ example: '14.4x-1h-5m' }) rule: string;
  @ApiProperty({ example: 14.4 }) factor: number;
  @ApiProperty({ example: '1h' }) longWindow: string;
  @ApiProperty({ example: '5m' }) shortWindow: string;
  @ApiProperty() longRate: number;
  @ApiProperty() shortRate: number;
  @ApiProperty() firing: boolean;
}

export const AvailabilityStatuses = ['ok', 'at-risk', 'breached'] as const;

export class AvailabilityStatusView {
  @ApiProperty({ example: 'checkout-availability' }) policy: string;
  @ApiProperty({ example: 'checkout-api' }) serviceId: string;
  @ApiProperty({ enum: AvailabilityStatuses, description: 'What has been published for the window: a breach, an at-risk (budget fraction or burn rate), or nothing' })
  status: (typeof AvailabilityStatuses)[number];
  @ApiProperty() window: SlaWindowView;
  @ApiProperty({ example: 99.9 }) objectivePercentage: number;
  @ApiProperty({
    example: 99.95,
    description: 'Two decimals. The SLI to date, over the elapsed part of the window; or, where the policy asks for `periodInProgress: projection`, where the window ends if nothing else goes down (the downtime so far over the whole window)',
  })
  compliancePercentage: number;
  @ApiProperty({ enum: ['to-date', 'projection'], description: 'Which of the two `compliancePercentage` is, as the policy says' }) periodInProgress: 'to-date' | 'projection';
  @ApiProperty({ example: 21.6 }) downtimeMinutes: number;
  @ApiProperty() errorBudget: ErrorBudgetView;
  @ApiProperty({ type: [BurnRateView] }) burnRates: BurnRateView[];
  @ApiProperty({ description: 'Alarms of the service still down and counted by the policy' }) openOutages: number;
}

export class ResolutionClockView {
  @ApiProperty({ example: 'incident-resolution' }) policy: string;
  @ApiProperty({ example: 'checkout-api' }) serviceId: string;
  @ApiProperty({ example: 'db-down' }) alarmKey: string;
  @ApiProperty({ example: 'critical' }) severity: string;
  @ApiProperty({ example: '4h' }) objective: string;
  @ApiPropertyOptional({ example: 'office-hours', nullable: true, description: 'The business calendar; null: around the clock' }) calendar: string | null;
  @ApiProperty({ enum: ClockStates }) state: ClockState;
  @ApiProperty() raisedAt: string;
  @ApiProperty() atRiskAt: string;
  @ApiProperty() deadline: string;
}

export class SlaStatusView {
  @ApiProperty({ example: '2026-11-10T12:00:00.000Z' }) asOf: string;
  @ApiProperty({ type: [AvailabilityStatusView] }) availability: AvailabilityStatusView[];
  @ApiProperty({ type: [ResolutionClockView], description: 'Resolution clocks still running, soonest deadline first' }) resolution: ResolutionClockView[];
}
