import type { Config } from '../config';
import { startStack, type Stack } from '../dev-stack/index';
import { describeStack } from '../dev-stack/print';
import { defaultLog } from '../dev-stack/types';

export interface BenchStack {
  readonly databaseUrl: string;
  readonly temporalAddress: string;
  /** Whether this run started the servers (false: DATABASE_URL / TEMPORAL_ADDRESS were set). */
  readonly started: { readonly postgres: boolean; readonly temporal: boolean };
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL and Temporal dev server on free ports (what `npm test` uses), or the
 * configured servers. Ephemeral, so it runs beside `npm start` and other engineers' `npm test`.
 */
export async function startBenchStack(config: Config, signal: AbortSignal): Promise<BenchStack> {
  const started = Date.now();
  const stack: Stack = await startStack(config, { mode: 'ephemeral', signal });
  for (const line of describeStack(stack, config)) defaultLog(line);
  defaultLog(`Stack ready in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
  return {
    databaseUrl: stack.databaseUrl,
    temporalAddress: stack.temporalAddress,
    started: { postgres: config.databaseUrl === undefined, temporal: config.temporalAddress === undefined },
    stop: () => stack.stop(),
  };
}
