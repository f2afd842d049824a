/**
 * Progress goes to stderr: stdout carries only the tables and, last, the JSON line, so
 * `npm run bench -- ingest | tail -n 1` is the figures alone.
 */
export function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}
