import type { Client } from '@temporalio/client';
import type { Bundles } from './bundles';
import type { Databases } from './db';
import type { BenchOptions } from './options';

/** What every section gets from bench/run.ts. */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly dbs: Databases;
  readonly temporalAddress: string;
  readonly client: Client;
  readonly bundles: Bundles;
  /** Short and unique per benchmark run: in database names, task queues and workflow ids. */
  readonly runId: string;
  /** Aborted on Ctrl-C: sections stop at the next step and clean up. */
  readonly signal: AbortSignal;
  log(line: string): void;
}

/** Epoch milliseconds with sub-millisecond precision, comparable with PostgreSQL's now() on this machine. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new Error('interrupted');
}
