export * from './interval.algebra';
export { localDays, localMonth, nextLocalDay, startOfLocalDay, type LocalDay } from './local-day.calendar';
export * from './availability.sli';
export * from './burn-rate.rule';
export * from './business-time.calendar';
export * from './resolution-clock.rule';
export * from './sla-credit.rule';
export * from './severity-history.rule';
export * from './sla-window.calendar';
