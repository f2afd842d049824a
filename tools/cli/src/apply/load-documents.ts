import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** One YAML document as read, before validation. */
export interface LoadedDocument {
  /** The file as the user named it (`<stdin>` for `-f -`). */
  source: string;
  /** 1-based position among the non-empty documents of its source. */
  index: number;
  raw: unknown;
}

export const StdinSource = '<stdin>';

/** Files could not be read or parsed; each problem starts with the file. */
export class DocumentLoadError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export interface LoadOptions {
  readStdin?: () => Promise<string>;
}

const YAML_FILE = /\.ya?ml$/i;

/** Expands `-`, files and directories (their .yaml/.yml files, by name) into sources. */
async function expand(paths: readonly string[], problems: string[]): Promise<string[]> {
  const sources: string[] = [];
  for (const given of paths) {
    if (given === '-') {
      if (sources.includes(StdinSource)) problems.push(`${StdinSource}: given more than once`);
      else sources.push(StdinSource);
      continue;
    }
    let stat;
    try {
      stat = await fs.stat(given);
    } catch (error) {
      problems.push(`${given}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`);
      continue;
    }
    if (!stat.isDirectory()) {
      sources.push(given);
      continue;
    }
    const entries = await fs.readdir(given, { withFileTypes: true });
    const files = entries
      .filter((entry) => entry.isFile() && YAML_FILE.test(entry.name))
      .map((entry) => path.join(given, entry.name))
      .sort();
    if (files.length === 0) problems.push(`${given}: no .yaml or .yml files in this directory`);
    sources.push(...files);
  }
  return sources;
}

/** Parses every YAML document of `text`; empty documents (a trailing `---`) are skipped. */
export function parseDocuments(source: string, text: string, problems: string[] = []): LoadedDocument[] {
  const documents: LoadedDocument[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        const where = error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}: ` : '';
        problems.push(`${source}: ${where}${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
      }
      continue;
    }
    const raw: unknown = document.toJS();
    // An empty document (comments only, a trailing `---`) has no content to apply.
    if (raw === null || raw === undefined) continue;
    documents.push({ source, index: documents.length + 1, raw });
  }
  return documents;
}

/**
 * Reads the documents of every path in order. Throws `DocumentLoadError` listing every
 * unreadable file and YAML syntax error, so nothing is applied from a half-read set.
 */
export async function loadDocuments(paths: readonly string[], options: LoadOptions = {}): Promise<LoadedDocument[]> {
  const problems: string[] = [];
  const documents: LoadedDocument[] = [];
  for (const source of await expand(paths, problems)) {
    let text: string;
    try {
      if (source === StdinSource) {
        if (!options.readStdin) throw new Error('standard input is not available');
        text = await options.readStdin();
      } else {
        text = await fs.readFile(source, 'utf8');
      }
    } catch (error) {
      problems.push(`${source}: ${(error as Error).message}`);
      continue;
    }
    const found = parseDocuments(source, text, problems);
    documents.push(...found);
  }
  if (problems.length > 0) throw new DocumentLoadError(problems);
  return documents;
}
