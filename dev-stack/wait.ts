const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Returns an error as soon as waiting is pointless, e.g. the server process has exited. */
  readonly failFast?: () => Error | undefined;
  readonly signal?: AbortSignal;
}

/** Polls `attempt` until it succeeds; the last attempt's error goes into the timeout message. */
export async function waitUntilReady<T>(attempt: () => Promise<T>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    const fatal = options.failFast?.();
    if (fatal) throw fatal;
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`${options.what} was not ready after ${options.timeoutMs / 1000}s (last error: ${detail})`);
    }
    await sleep(options.intervalMs ?? 200);
  }
}
