export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls until check returns a value (not undefined). Errors count as "not yet" (a server may be
 * down on purpose) but the last one is reported if the time runs out.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (; Date.now() <= deadline; await sleep(options.intervalMs ?? 200)) {
    const value = await check().catch((error: unknown) => void (lastError = error));
    if (value !== undefined) return value;
  }
  const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`${what}: not within ${Math.round(options.timeoutMs / 1000)} s${detail}`);
}

export const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** One line per measurement, printed at the end of the file and kept for the report. */
export function report(file: string, line: string): void {
  process.stdout.write(`[faults:${file}] ${line}\n`);
}
