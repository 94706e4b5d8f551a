/**
 * The child-process side of a benchmark worker: the parent forks an entry (bench/worker.ts,
 * bench/floors/noop-worker.ts) that calls runWorkerChild, so the worker's memory is its own and
 * its peak RSS can be read from /proc. Messages over the IPC channel: 'ready' once polling,
 * 'stats' on request, and the worker drains and exits on 'stop', on SIGINT/SIGTERM, or when the
 * parent goes away (the channel disconnects), so a killed benchmark leaves no worker behind.
 */
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';

export type ToChild = { readonly type: 'stop' } | { readonly type: 'stats' };
export type FromChild =
  | { readonly type: 'ready' }
  | {
      readonly type: 'stats';
      readonly maxRssKb: number;
      /** process.memoryUsage(): where the resident memory goes (V8 heap, buffers, the rest is native). */
      readonly usage: NodeJS.MemoryUsage;
    }
  | { readonly type: 'error'; readonly message: string };

export interface ChildWorker {
  readonly worker: Worker;
  close(): Promise<void>;
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (this file is started by bench/run.ts)`);
  return value;
}

export function runWorkerChild(build: (connection: NativeConnection) => Promise<ChildWorker>): void {
  const send = (message: FromChild) => process.send?.(message);
  (async () => {
    // ERROR only: the burst makes the workflows log a warning for every run skipped as overlapping,
    // which is expected there and would bury the benchmark's own lines.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    const connection = await NativeConnection.connect({ address: requireEnv('BENCH_TEMPORAL_ADDRESS') });
    const child = await build(connection);
    const running = child.worker.run();
    const stop = () => {
      if (child.worker.getState() === 'RUNNING') child.worker.shutdown();
    };
    process.on('message', (message: ToChild) => {
      if (message.type === 'stop') stop();
      if (message.type === 'stats') {
        send({ type: 'stats', maxRssKb: process.resourceUsage().maxRSS, usage: process.memoryUsage() });
      }
    });
    process.on('disconnect', stop);
    send({ type: 'ready' });
    await running;
    await child.close();
    await connection.close();
  })().then(
    () => process.exit(0),
    (err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      process.exit(1);
    },
  );
}
