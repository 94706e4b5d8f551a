/**
 * npm start: PostgreSQL and Temporal (embedded unless DATABASE_URL / TEMPORAL_ADDRESS are set), then
 * the app's programs as children. Ctrl-C or SIGTERM stops children first, then Temporal, then
 * PostgreSQL. If a child or server dies on its own, everything stops and the exit code is 1.
 */
import {
  assertScriptsExist,
  startChild,
  stopChildren,
  stopLeftoverChildren,
  type ChildSpec,
  type ManagedChild,
} from '../dev-stack/children';
import { removeConnectionFile, writeConnectionFile } from '../dev-stack/connection-file';
import { lockDataDir } from '../dev-stack/data-dir-lock';
import type { Config } from '../config';
import { startStack, type Stack } from '../dev-stack/index';
import { loadConfigOrExit } from '../dev-stack/load-config';
import { describeStack } from '../dev-stack/print';
import { defaultLog as log } from '../dev-stack/types';

/** Everything `npm start` runs against the stack: the worker, and the HTTP API (it prints its URL when up). */
const CHILDREN: readonly ChildSpec[] = [
  { name: 'worker', script: 'bin/worker.ts' },
  { name: 'api', script: 'bin/api.ts' },
];

type Outcome =
  | { readonly kind: 'signal'; readonly signal: NodeJS.Signals }
  | { readonly kind: 'child-exit'; readonly child: ManagedChild; readonly code: number }
  | { readonly kind: 'server-crash'; readonly error: Error };

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  assertScriptsExist(CHILDREN);

  const abort = new AbortController();
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    let first = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (abort.signal.aborted) {
        // A terminal's Ctrl-C reaches us twice (directly, and relayed by the tsx process above us).
        if (Date.now() - first > 1_000) log('Already stopping; please wait…');
        return;
      }
      first = Date.now();
      log(`${signal} received, stopping…`);
      abort.abort();
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

  // Held for the whole run: it makes children and servers recorded in the data folder ours to clean up.
  const lock = await lockDataDir(config.dataDir);
  try {
    return await run(config, abort, signalled);
  } finally {
    lock.release();
  }
}

async function run(config: Config, abort: AbortController, signalled: Promise<NodeJS.Signals>): Promise<number> {
  await stopLeftoverChildren(CHILDREN, config.dataDir, log);
  let stack: Stack;
  try {
    stack = await startStack(config, { mode: 'persistent', signal: abort.signal });
  } catch (error) {
    if (!abort.signal.aborted) throw error;
    log('Stopped.'); // during startup, as asked; startStack stopped what it had started
    return 0;
  }

  for (const line of describeStack(stack, config)) log(line);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    ...(stack.temporalUiUrl === undefined ? {} : { TEMPORAL_UI_URL: stack.temporalUiUrl }),
  };
  writeConnectionFile(config.dataDir, {
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_UI_URL: stack.temporalUiUrl,
  });
  const children: ManagedChild[] = [];
  try {
    children.push(...CHILDREN.map((spec) => startChild(spec, env, config.dataDir)));
    log(`Data in ${config.dataDir}. Running ${CHILDREN.map((c) => c.name).join(', ')}; press Ctrl-C to stop.`);

    const outcome = await Promise.race<Outcome>([
      signalled.then((signal): Outcome => ({ kind: 'signal', signal })),
      ...children.map((child) => child.exited.then((code): Outcome => ({ kind: 'child-exit', child, code }))),
      stack.crashed.then((error): Outcome => ({ kind: 'server-crash', error })),
    ]);
    if (outcome.kind === 'child-exit')
      log(`${outcome.child.spec.name} exited (code ${outcome.code}); stopping everything.`);
    if (outcome.kind === 'server-crash') log(`${outcome.error.message}\nStopping everything.`);

    // Children get the signal the user sent; after a failure they get SIGTERM.
    log(`Stopping ${CHILDREN.map((c) => c.name).join(', ')}…`);
    await stopChildren(children, outcome.kind === 'signal' ? outcome.signal : 'SIGTERM');
    removeConnectionFile(config.dataDir);
    await stack.stop();
    log('Stopped.');
    return outcome.kind === 'signal' ? 0 : 1;
  } catch (error) {
    await stopChildren(children, 'SIGTERM');
    removeConnectionFile(config.dataDir);
    await stack.stop();
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
