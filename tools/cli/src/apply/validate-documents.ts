import { InvalidDocumentError, validateDocument, type ConfigDocument } from '@vigil/contracts';
import type { LoadedDocument } from './load-documents';

export interface ValidDocument {
  source: string;
  index: number;
  doc: ConfigDocument;
}

/** The tenant a document belongs to: a Tenant is its own. */
export function tenantOf(doc: ConfigDocument): string {
  return doc.kind === 'Tenant' ? doc.metadata.name : (doc.metadata.tenant ?? '');
}

/** `slapolicy/checkout-availability`, or `document 3` while kind or name are unusable. */
export function labelOf(raw: unknown, index: number): string {
  const value = raw as { kind?: unknown; metadata?: { name?: unknown } } | null;
  const kind = value?.kind;
  const name = value?.metadata?.name;
  return typeof kind === 'string' && typeof name === 'string' ? `${kind.toLowerCase()}/${name}` : `document ${index}`;
}

/**
 * Validates every document before anything is sent. Problems read
 * `FILE: <kind>/<name>: <path>: <rule>`; the same document twice in one apply is one too,
 * since the second copy would silently overwrite the first.
 */
export function validateDocuments(loaded: readonly LoadedDocument[]): { documents: ValidDocument[]; problems: string[] } {
  const documents: ValidDocument[] = [];
  const problems: string[] = [];
  const seen = new Map<string, LoadedDocument>();
  for (const item of loaded) {
    const label = labelOf(item.raw, item.index);
    let doc: ConfigDocument;
    try {
      doc = validateDocument(item.raw);
    } catch (error) {
      if (!(error instanceof InvalidDocumentError)) throw error;
      problems.push(...error.problems.map((problem) => `${item.source}: ${label}: ${problem}`));
      continue;
    }
    const key = `${doc.kind}/${tenantOf(doc)}/${doc.metadata.name}`;
    const first = seen.get(key);
    if (first) {
      problems.push(`${item.source}: ${label}: metadata.name: already defined in ${first.source} (document ${first.index}) for tenant ${tenantOf(doc)}`);
      continue;
    }
    seen.set(key, item);
    documents.push({ source: item.source, index: item.index, doc });
  }
  return { documents, problems };
}
