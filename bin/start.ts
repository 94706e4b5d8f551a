/**
 * npm start (README, "Start everything"): the stack, then the app's programs as supervised children. A
 * server dying is fatal: everything stops, exit code 1. Ctrl-C or SIGTERM stops the children first.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEV_STACK_ENV_FILE } from '../config/env-files';
import { startStack } from '../dev-stack/index';
import { loadConfigOrExit, REPO_ROOT, runMain } from '../dev-stack/load-config';
import { describeStack } from '../dev-stack/print';
import { defaultLog as log } from '../dev-stack/types';
import { lockDataDir, stopGroup, stopLeftover, writePidFile } from '../dev-stack/processes';

/** Everything `npm start` runs against the stack: the worker, and the HTTP API (it prints its URL when up). */
const PROGRAMS = { worker: 'bin/worker.ts', api: 'bin/api.ts' };
const NAMES = Object.keys(PROGRAMS).join(', ');
/** Restarts wait 1 s, doubling to 30 s; after a run of a minute or more, 1 s again. */
const [FIRST_DELAY_MS, MAX_DELAY_MS, HEALTHY_AFTER_MS] = [1_000, 30_000, 60_000];
/** How long a program may take to stop (the worker drains its activities) before it is SIGKILLed. */
const STOP_GRACE_MS = 30_000;

/** How a program ended; tsx exits with 128 + n when the script it runs was killed by signal n. */
function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal}`;
  const scriptSignal = Object.entries(os.constants.signals).find(([, n]) => n === (code ?? 0) - 128)?.[0];
  return `exit code ${code}${scriptSignal ? `: its script was killed by ${scriptSignal}` : ''}`;
}

/** Runs a program in its own process group until stop(), starting it again whenever it exits. */
function supervise(name: string, script: string, env: NodeJS.ProcessEnv, dataDir: string) {
  const pidFile = path.join(dataDir, `${name}.pid`);
  let current: number | undefined;
  let stopping = false;
  let wake = () => {};
  const loop = (async () => {
    for (let delay = FIRST_DELAY_MS; !stopping; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
      const startedAt = Date.now();
      // tsx's CLI under the same Node; detached, so a terminal's Ctrl-C reaches only us and we keep the order.
      const child = spawn(process.execPath, [require.resolve('tsx/cli'), script], {
        ...{ cwd: REPO_ROOT, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true },
      });
      current = child.pid;
      if (current !== undefined) writePidFile(pidFile, current, script);
      const why = await new Promise<string>((resolve) => {
        child.once('error', (error) => resolve(`could not start: ${error.message}`));
        child.once('exit', (code, signal) => resolve(describeExit(code, signal)));
      });
      // tsx runs the script in a child of its own, which outlives a killed tsx: the group goes as a whole.
      if (current !== undefined) await stopGroup(current, 'SIGKILL', 0);
      current = undefined;
      fs.rmSync(pidFile, { force: true });
      if (stopping) break;
      if (Date.now() - startedAt > HEALTHY_AFTER_MS) delay = FIRST_DELAY_MS;
      log(`The ${name} exited unexpectedly (${why}); restarting it in ${delay / 1000}s.`);
      await new Promise<void>((resolve) => setTimeout((wake = resolve), delay));
    }
  })();
  return {
    /** The signal to the whole group, SIGKILL after the grace period; resolves when all of it is gone. */
    async stop(signal: NodeJS.Signals): Promise<void> {
      stopping = true;
      wake();
      if (current !== undefined) await stopGroup(current, signal, STOP_GRACE_MS);
      await loop;
    },
  };
}

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches us twice (directly, and relayed by the tsx process above us).
    if (!abort.signal.aborted) log(`${signal} received, stopping…`);
    abort.abort(signal);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const signalled = once(abort.signal, 'abort').then(() => abort.signal.reason as NodeJS.Signals);

  // Held for the whole run: it makes programs and servers recorded in the data folder ours to clean up.
  const lock = lockDataDir(config.dataDir);
  try {
    for (const name of Object.keys(PROGRAMS))
      await stopLeftover(path.join(config.dataDir, `${name}.pid`), `the ${name}`, log);
    const stack = await startStack(config, { mode: 'persistent', signal: abort.signal }).catch((error: unknown) => {
      if (!abort.signal.aborted) throw error; // else Ctrl-C during startup: startStack stopped what it started
    });
    if (!stack) return 0;

    for (const line of describeStack(stack, config)) log(line);
    const addresses = {
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      ...(stack.temporalUiUrl === undefined ? {} : { TEMPORAL_UI_URL: stack.temporalUiUrl }),
    };
    // Tells commands run beside us (`npm run api`, `npm run schedules:reload`) where the servers are.
    const envFile = path.join(config.dataDir, DEV_STACK_ENV_FILE);
    const lines = Object.entries(addresses).map(([key, value]) => `${key}=${value}`);
    fs.writeFileSync(envFile, `# Written by npm start while it runs.\n${lines.join('\n')}\n`, { mode: 0o600 });

    const children = Object.entries(PROGRAMS).map(([name, script]) =>
      supervise(name, path.join(REPO_ROOT, script), { ...process.env, ...addresses }, config.dataDir),
    );
    log(`Data in ${config.dataDir}. Running ${NAMES}; press Ctrl-C to stop.`);
    const outcome = await Promise.race([signalled, stack.crashed]);
    if (outcome instanceof Error)
      log(`${outcome.message}\nA server died, which npm start cannot recover from: stopping everything.`);

    log(`Stopping ${NAMES}…`);
    await Promise.all(children.map((child) => child.stop(outcome instanceof Error ? 'SIGTERM' : outcome)));
    fs.rmSync(envFile, { force: true });
    await stack.stop();
    log('Stopped.');
    return outcome instanceof Error ? 1 : 0;
  } finally {
    lock.release();
  }
}

runMain(main);
