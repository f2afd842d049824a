/**
 * Aborted on Ctrl-C/SIGTERM, before the bench stops its children: load stops first, so a
 * service asked to shut down is not kept busy by the bench's own keep-alive requests.
 */
export const interruption = new AbortController();

/** Called between steps: after Ctrl-C nothing new starts. */
export function throwIfInterrupted(): void {
  if (interruption.signal.aborted) throw new Error('interrupted');
}
