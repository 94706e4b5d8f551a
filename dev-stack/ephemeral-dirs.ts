import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readPidFile, stopLeftover, writePidFile } from './leftovers';
import { isAlive } from './processes';
import type { Log } from './types';

const PREFIX = 'behflow-dev-stack-';
const OWNER_FILE = 'owner.pid';
/** A folder this young without an owner file may be one another run is creating right now. */
const GRACE_MS = 60_000;

/** A fresh temp folder for one test server, marked with the pid of the Node process that owns it. */
export function makeEphemeralDir(kind: 'postgres' | 'temporal'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${kind}-`));
  writePidFile(path.join(dir, OWNER_FILE), process.pid, 'owner');
  return dir;
}

/** The pid file a server in such a folder is recorded in; the reaper looks for it there. */
export function serverPidFile(dir: string): string {
  return path.join(dir, 'server.pid');
}

/**
 * A test run whose Node process was SIGKILLed leaves its servers running and its folders behind.
 * They block nothing (tests use free ports) but hold memory, so the next test run stops them and
 * deletes the folders. Folders whose owner is alive belong to a run in progress and are left alone.
 */
export async function reapEphemeralLeftovers(log: Log): Promise<void> {
  const tmp = os.tmpdir();
  for (const name of fs.readdirSync(tmp).filter((entry) => entry.startsWith(PREFIX))) {
    const dir = path.join(tmp, name);
    const owner = readPidFile(path.join(dir, OWNER_FILE))?.pid;
    if (owner !== undefined ? isAlive(owner) : Date.now() - fs.statSync(dir).mtimeMs < GRACE_MS) continue;
    const postgres = name.startsWith(`${PREFIX}postgres-`);
    await stopLeftover(serverPidFile(dir), {
      what: `a test ${postgres ? 'PostgreSQL' : 'Temporal server'}`,
      // PostgreSQL's fast shutdown also frees its shared memory; the Temporal CLI stops on SIGTERM.
      signal: postgres ? 'SIGINT' : 'SIGTERM',
      graceMs: 10_000,
      group: !postgres,
      log,
    });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
