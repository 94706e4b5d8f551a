import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './load-config';
import { stopLeftover, writePidFile } from './leftovers';
import { stopChild } from './processes';
import type { Log } from './types';

/** A long-running TypeScript program that `npm start` runs next to the stack. */
export interface ChildSpec {
  readonly name: string;
  /** Path from the repository root, run with tsx. */
  readonly script: string;
}

export interface ManagedChild {
  readonly spec: ChildSpec;
  readonly process: ChildProcess;
  /** Exit code, or 128 + signal number when killed by a signal. */
  readonly exited: Promise<number>;
}

/** Fails before anything starts if a program is missing, rather than after the servers are up. */
export function assertScriptsExist(specs: readonly ChildSpec[]): void {
  const missing = specs.filter((spec) => !fs.existsSync(path.resolve(REPO_ROOT, spec.script)));
  if (missing.length > 0) {
    throw new Error(`Missing ${missing.map((spec) => `${spec.script} (${spec.name})`).join(', ')}.`);
  }
}

/**
 * Children run detached, so a killed `npm start` leaves them running, still connected to the
 * servers the next start brings up again. They are recorded in <dataDir>/<name>.pid and stopped here
 * (before the servers, keeping the usual order). Call only while holding the data-folder lock.
 */
export async function stopLeftoverChildren(specs: readonly ChildSpec[], dataDir: string, log: Log): Promise<void> {
  for (const spec of specs) {
    await stopLeftover(pidFile(spec, dataDir), {
      what: `the ${spec.name}`,
      signal: 'SIGTERM',
      graceMs: 30_000,
      group: true,
      log,
    });
  }
}

function pidFile(spec: ChildSpec, dataDir: string): string {
  return path.join(dataDir, `${spec.name}.pid`);
}

export function startChild(spec: ChildSpec, env: NodeJS.ProcessEnv, dataDir: string): ManagedChild {
  // tsx's CLI under the same Node, so nothing depends on npx or a shell.
  const tsxCli = require.resolve('tsx/cli');
  const script = path.resolve(REPO_ROOT, spec.script);
  const child = spawn(process.execPath, [tsxCli, script], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    // Its own process group: a terminal's Ctrl-C reaches only us, and we forward it in order.
    detached: true,
  });
  writePidFile(pidFile(spec, dataDir), child.pid, `${tsxCli} ${script}`);
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(1));
    child.once('exit', (code, signal) => {
      fs.rmSync(pidFile(spec, dataDir), { force: true });
      resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0));
    });
  });
  return { spec, process: child, exited };
}

/** Forwards the signal to each child and waits; SIGKILL after the grace period (a worker drains activities). */
export async function stopChildren(children: readonly ManagedChild[], signal: NodeJS.Signals): Promise<void> {
  await Promise.all(children.map((child) => stopChild(child.process, { signal, graceMs: 30_000, group: true })));
}
