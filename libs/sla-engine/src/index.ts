export * from './interval.algebra';
export { localDays, localMonth, nextLocalDay, startOfLocalDay, type LocalDay } from './local-day.calendar';
export * from './availability.sli';
export * from './burn-rate.rules';
export * from './business-time.calendar';
export * from './resolution-clock.rules';
export * from './sla-credit.rules';
export * from './severity-history.rules';
export * from './sla-window.calendar';
