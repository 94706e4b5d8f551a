/**
 * npm run bench (README, "Performance"): each section beside its floor, in the same run on the same servers
 * (the machine is shared and noisy); all it makes is removed at the end, on failure and on Ctrl-C.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { startStack } from '../dev-stack/index';
import { loadConfigOrExit, runMain } from '../dev-stack/load-config';
import { describeStack } from '../dev-stack/print';
import { defaultLog } from '../dev-stack/types';
import { connectClient, ensureSearchAttributes } from '../platform/temporal';
import { Databases, log, parseOptions, USAGE, type BenchContext } from '../bench/context';
import { machineInfo, renderTable, sourceFingerprint, summary, writeResults, type Results } from '../bench/report';
import { bundleWorkflows } from '../bench/service';
import { measureConsolePages } from '../bench/console-pages';
import { measureLateness } from '../bench/lateness';
import { measureThroughput } from '../bench/throughput';
import { measureBurst, measureLatency, withTriggerEnv } from '../bench/triggers';

async function main(): Promise<number> {
  const options = await (async () => parseOptions(process.argv.slice(2)))().catch((err: Error) => err);
  if (options === undefined || options instanceof Error) {
    (options ? process.stderr : process.stdout).write(`${options ? `${options.message}\n` : ''}${USAGE}\n`);
    return options ? 2 : 0;
  }
  const config = loadConfigOrExit();
  const startedAt = new Date();
  const fingerprintAtStart = sourceFingerprint();

  // Ctrl-C (to tsx, to us and to the workers, which drain by themselves): sections stop at their next step.
  // Everything is cleaned up below, once.
  const abort = new AbortController();
  const onSignal = () => {
    if (!abort.signal.aborted) log('Interrupted: cleaning up (databases, schedules, workers, servers)…');
    abort.abort();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

  const bundling = bundleWorkflows(); // webpack, seconds of CPU, while the servers start
  bundling.catch(() => undefined);
  const stack = await startStack(config, { mode: 'ephemeral', signal: abort.signal });
  for (const line of describeStack(stack, config)) defaultLog(line);
  const dbs = new Databases(stack.databaseUrl);
  const temporalAddress = stack.temporalAddress;
  let client: Client | undefined;
  try {
    client = await connectClient({ ...config, temporalAddress });
    if (config.temporalAddress !== undefined) await ensureSearchAttributes(client);
    const [runId, signal] = [randomUUID().slice(0, 8), abort.signal];
    const ctx: BenchContext = { options, dbs, temporalAddress, client, bundles: await bundling, runId, signal };
    const machine = await machineInfo(dbs, config);
    const results: Results = { errors: {} };
    const attempt = async <T>(section: string, measure: () => Promise<T>): Promise<T | undefined> => {
      const started = Date.now();
      try {
        return await measure();
      } catch (err) {
        results.errors[section] = err instanceof Error ? err.message : String(err);
        if (!abort.signal.aborted) log(`${section} failed: ${results.errors[section]}`);
      } finally {
        log(`${section}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    };
    const { sections } = options;
    if (sections.has('throughput')) results.throughput = await attempt('throughput', () => measureThroughput(ctx));
    if (['latency', 'burst', 'lateness'].some((s) => sections.has(s)) && !abort.signal.aborted) {
      await attempt('latency, burst and lateness', () =>
        withTriggerEnv(ctx, async (env) => {
          if (sections.has('latency')) results.latency = await attempt('latency', () => measureLatency(ctx, env));
          if (sections.has('burst')) results.burst = await attempt('burst', () => measureBurst(ctx, env));
          if (sections.has('lateness')) results.lateness = await attempt('lateness', () => measureLateness(ctx, env));
        }),
      );
    }
    if (sections.has('console') && !abort.signal.aborted)
      results.console = await attempt('console', () => measureConsolePages(ctx));
    if (abort.signal.aborted) return 130;

    const report = summary(results, options, startedAt, machine, [fingerprintAtStart, sourceFingerprint()]);
    const file = writeResults(report, results);
    const m = report.machine;
    console.log(
      `\n${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, PostgreSQL ${m.postgres}, ${m.temporal}, ` +
        `load ${m.load}${options.quick ? ' (--quick)' : ''}\n\n${renderTable(report)}`,
    );
    for (const [section, message] of Object.entries(results.errors)) console.log(`\n${section} FAILED: ${message}`);
    if (report.code.changedDuringRun) console.log('\nWARNING: the service code changed during the run: run again.');
    console.log(`\n${report.minutes} minutes in all; summary: ${file} (raw numbers in raw/ beside it)`);
    return Object.keys(results.errors).length > 0 ? 1 : 0;
  } finally {
    await dbs.dropAll().catch((err: unknown) => log(`Dropping the benchmark databases failed: ${String(err)}`));
    await client?.connection.close().catch(() => undefined);
    await stack.stop();
  }
}

runMain(main, log, true);
