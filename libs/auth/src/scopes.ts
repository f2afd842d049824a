export const Scopes = ['alarms:write', 'reports:read', 'escalations:write', 'admin'] as const;
export type Scope = (typeof Scopes)[number];

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (Scopes as readonly string[]).includes(value);
}

/** Validates scopes a caller asked for; an unknown scope is a mistake worth stopping for. */
export function requireKnownScopes(scopes: readonly string[]): Scope[] {
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (unknown.length > 0) throw new Error(`unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${Scopes.join(', ')})`);
  return [...new Set(scopes as Scope[])];
}

/** The identity a verified token stands for. */
export interface Principal {
  subject: string;
  tenantId: string;
  scopes: Scope[];
}
