/**
 * npm run bench [-- --quick] : reschedule throughput, trigger latency and a trigger burst, each
 * beside its floor measured in the same run on the same servers (the machine is shared and noisy,
 * so only same-run ratios mean anything). Prints a table and writes bench/results/<timestamp>.json.
 *
 * Starts a throwaway PostgreSQL and Temporal dev server (as npm test does) unless DATABASE_URL /
 * TEMPORAL_ADDRESS are set, creates its own databases (bench_*) and task queues, and removes
 * everything it made at the end, on failure and on Ctrl-C.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../dev-stack/load-config';
import { ensureSearchAttributes } from '../platform/temporal';
import { measureBurst } from '../bench/burst';
import { bundleWorkflows, type Bundles } from '../bench/bundles';
import type { BenchContext } from '../bench/context';
import { Databases } from '../bench/db';
import { seconds } from '../bench/format';
import { measureLatency } from '../bench/latency';
import { machineInfo, sourceFingerprint } from '../bench/machine';
import { parseOptions, UsageError, USAGE, type BenchOptions } from '../bench/options';
import { renderTable, tableRows, writeReport, type Report, type Results } from '../bench/report';
import { startBenchStack, type BenchStack } from '../bench/stack';
import { openTriggerEnv } from '../bench/trigger-env';
import { measureThroughput } from '../bench/throughput';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) process.stderr.write(`${err.message}\n`);
    process.stderr.write(`${USAGE}\n`);
    return err.message ? 2 : 0;
  }
  const config = loadConfigOrExit();
  const startedAt = new Date();
  const sourceAtStart = sourceFingerprint();

  // Ctrl-C (which a terminal sends to tsx and to us, and to the workers, which drain by themselves):
  // the sections stop at their next step and everything is cleaned up below. A second Ctrl-C while
  // cleaning up is ignored rather than leaving servers and databases behind.
  const abort = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    log('Interrupted: cleaning up (databases, schedules, workers, servers)…');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Bundling (webpack, seconds of CPU) while the servers start.
  const bundling = bundleWorkflows();
  const stack: BenchStack = await startBenchStack(config, abort.signal).catch(async (err: unknown) => {
    (await bundling.catch(() => undefined))?.remove();
    throw err;
  });
  const dbs = new Databases(stack.databaseUrl);
  let connection: Connection | undefined;
  let bundles: Bundles | undefined;
  try {
    bundles = await bundling;
    connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection, namespace: config.temporalNamespace });
    if (!stack.started.temporal) await ensureSearchAttributes(client);
    const machine = await machineInfo(dbs, config);
    const runId = randomUUID().replace(/-/g, '').slice(0, 8);
    const ctx: BenchContext = {
      options,
      dbs,
      temporalAddress: stack.temporalAddress,
      client,
      bundles,
      runId,
      signal: abort.signal,
      log,
    };

    const results: Results = { errors: {} };
    const attempt = async <T>(section: string, measure: () => Promise<T>): Promise<T | undefined> => {
      if (abort.signal.aborted) return undefined;
      const started = Date.now();
      try {
        return await measure();
      } catch (err) {
        if (abort.signal.aborted) return undefined;
        const message = err instanceof Error ? err.message : String(err);
        log(`${section} failed: ${message}`);
        results.errors[section] = message;
        return undefined;
      } finally {
        log(`${section}: ${seconds(Date.now() - started)}`);
      }
    };
    if (options.sections.has('throughput')) {
      results.throughput = await attempt('throughput', () => measureThroughput(ctx));
    }
    if ((options.sections.has('latency') || options.sections.has('burst')) && !abort.signal.aborted) {
      // Latency and burst work on a database without tasks: the processes have nothing to do.
      const empty = `bench_${runId}_empty`;
      await dbs.createMigrated(empty);
      const env = await attempt('latency and burst setup', () => openTriggerEnv(ctx, empty));
      if (env) {
        try {
          if (options.sections.has('latency')) {
            results.latency = await attempt('latency', () => measureLatency(ctx, env));
          }
          if (options.sections.has('burst')) results.burst = await attempt('burst', () => measureBurst(ctx, env));
        } finally {
          await env.close();
        }
      }
    }
    if (abort.signal.aborted) return 130;

    const finishedAt = new Date();
    const table = tableRows(results, options);
    const sourceAtEnd = sourceFingerprint();
    const report: Report = {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      options: { ...options, sections: [...options.sections] },
      machine,
      source: { atStart: sourceAtStart, atEnd: sourceAtEnd, changedDuringRun: sourceAtStart !== sourceAtEnd },
      stack: { startedPostgres: stack.started.postgres, startedTemporal: stack.started.temporal },
      results,
      table,
    };
    const file = writeReport(report);
    console.log(
      `\n${machine.cpuModel}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(0)} GiB, ` +
        `Node ${machine.node}, PostgreSQL ${machine.postgres}, ${machine.temporalCli.split('\n')[0]}, ` +
        `load ${os.loadavg()[0]?.toFixed(1)}${options.quick ? ' (--quick)' : ''}` +
        `${options.seedSql ? `\nEXPERIMENT: ${options.seedSql} applied to every seeded database` : ''}\n`,
    );
    console.log(renderTable(table));
    for (const [section, message] of Object.entries(results.errors)) console.log(`\n${section} FAILED: ${message}`);
    if (report.source.changedDuringRun) {
      console.log('\nWARNING: the service code changed during the run; later measurements ran other code. Run again.');
    }
    console.log(`\n${seconds(report.durationMs)} in all; raw numbers: ${file}`);
    return Object.keys(results.errors).length > 0 ? 1 : 0;
  } finally {
    bundles?.remove();
    await dbs.dropAll().catch((err: unknown) => log(`Dropping the benchmark databases failed: ${String(err)}`));
    await connection?.close().catch(() => undefined);
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
