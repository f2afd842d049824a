export const Severities = ['critical', 'major', 'minor', 'warning', 'info'] as const;
export type Severity = (typeof Severities)[number];

export const Resolutions = ['resolved', 'cancelled'] as const;
export type Resolution = (typeof Resolutions)[number];
