import { ConfigApplyRoute, DocumentOwners, type ApplyOutcome, type ServiceName } from '@vigil/contracts';
import { serviceUrlVariable } from './service-urls';
import { labelOf, tenantOf, type ValidDocument } from './validate-documents';

export interface ApplyOptions {
  fetch: typeof fetch;
  baseUrls: Record<ServiceName, string>;
  /** The bearer token to send for a document of this tenant. */
  tokenFor: (tenant: string) => Promise<string>;
  /** Receive whole lines, without the newline. */
  out: (line: string) => void;
  err: (line: string) => void;
  dryRun?: boolean;
  timeoutMs?: number;
}

export interface ApplySummary {
  applied: number;
  failed: number;
}

const Outcomes: readonly ApplyOutcome[] = ['created', 'updated', 'unchanged'];

/** Why a request never got an answer, in words an operator can act on. */
function unreachable(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `did not answer within ${timeoutMs / 1000} s`;
  const code: string = (error as { cause?: { code?: string } })?.cause?.code ?? (error as { code?: string })?.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    default:
      return (error as Error)?.message ?? String(error);
  }
}

/** The message of an error body (Nest answers `{ statusCode, message, error }`), else the text. */
function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (Array.isArray(body.message)) return body.message.join('; ');
    if (typeof body.message === 'string') return body.message;
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: fall through to the raw text
  }
  const trimmed = text.trim();
  return trimmed.length > 500 ? `${trimmed.slice(0, 500)}…` : trimmed;
}

/**
 * Sends each document, in order, to the service that owns its kind and reports one line
 * per document. A failure does not stop the rest; a service that cannot be reached is not
 * tried again for the following documents.
 */
export async function applyDocuments(documents: readonly ValidDocument[], options: ApplyOptions): Promise<ApplySummary> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const down = new Set<ServiceName>();
  const summary: ApplySummary = { applied: 0, failed: 0 };
  for (const { doc, index } of documents) {
    const label = labelOf(doc, index);
    const service = DocumentOwners[doc.kind];
    const url = `${options.baseUrls[service]}${ConfigApplyRoute}`;
    if (options.dryRun) {
      options.out(`${label} valid (dry run, not sent to ${service})`);
      continue;
    }
    if (down.has(service)) {
      options.err(`${label}: not sent, ${service} is unreachable`);
      summary.failed++;
      continue;
    }
    let token: string;
    try {
      token = await options.tokenFor(tenantOf(doc));
    } catch (error) {
      options.err(`${label}: no token for tenant ${tenantOf(doc)}: ${(error as Error).message}`);
      summary.failed++;
      continue;
    }
    let response: Response;
    let text: string;
    try {
      response = await options.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(doc),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      down.add(service);
      options.err(
        `${label}: ${service} is unreachable at ${options.baseUrls[service]} (${unreachable(error, timeoutMs)}); ` +
          `is it running? ${serviceUrlVariable(service)} sets its address`,
      );
      summary.failed++;
      continue;
    }
    if (!response.ok) {
      const message = errorMessage(text);
      const hint = response.status === 401 ? ' (set VIGIL_TOKEN to a token this service accepts, or VIGIL_HOME to the directory whose keys it trusts)' : '';
      options.err(`${label}: ${service} answered ${response.status}${message ? `: ${message}` : ''}${hint}`);
      summary.failed++;
      continue;
    }
    let result: unknown;
    try {
      result = (JSON.parse(text) as { result?: unknown }).result;
    } catch {
      result = undefined;
    }
    if (typeof result !== 'string' || !Outcomes.includes(result as ApplyOutcome)) {
      options.err(`${label}: ${service} answered ${response.status} without a result (created, updated or unchanged): ${errorMessage(text)}`);
      summary.failed++;
      continue;
    }
    options.out(`${label} ${result}`);
    summary.applied++;
  }
  return summary;
}
