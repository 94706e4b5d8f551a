/**
 * Servers and programs are spawned detached, each leading a process group of its own (for an ordered
 * shutdown), so they outlive a SIGKILLed `npm start`. Each start records "pgid\nmarker" in a pid file;
 * the next start stops a group that is still there and runs a command containing the marker (so a
 * reused pid is never killed), then deletes the file.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Log } from './types';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends a signal (0: none, just look) to a process group; false when nothing of it is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Asks the group to stop (0: it was asked otherwise), SIGKILLs what is left after graceMs; resolves when all is gone. */
export async function stopGroup(pgid: number, signal: NodeJS.Signals | 0, graceMs: number): Promise<void> {
  signalGroup(pgid, signal);
  for (const deadline = Date.now() + graceMs; signalGroup(pgid, 0) && Date.now() < deadline;) await sleep(100);
  while (signalGroup(pgid, 'SIGKILL')) await sleep(50);
}

/** Command lines of the processes whose pid (or process group) is `id`; `ps` works alike on Linux and macOS. */
function commandsOf(id: number, by: 'pid' | 'pgid'): string[] {
  const lines = execFileSync('ps', ['-eo', `${by}=,args=`], { encoding: 'utf8' }).split('\n');
  return lines.flatMap((line) => (Number(/^\s*(\d+)/.exec(line)?.[1]) === id ? [line.trim()] : []));
}

export function writePidFile(file: string, pid: number, marker: string): void {
  fs.writeFileSync(file, `${pid}\n${marker}\n`);
}

function readPidFile(file: string): { pid: number; marker: string } | undefined {
  const [pid = '', marker = ''] = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
  return Number(pid) > 0 ? { pid: Number(pid), marker } : undefined;
}

export async function stopLeftover(file: string, what: string, log: Log): Promise<void> {
  const recorded = readPidFile(file);
  if (recorded && recorded.marker !== '' && commandsOf(recorded.pid, 'pgid').some((c) => c.includes(recorded.marker))) {
    log(`Stopping ${what} (process group ${recorded.pid}) left running by an earlier run that did not shut down.`);
    await stopGroup(recorded.pid, 'SIGTERM', 30_000);
  }
  fs.rmSync(file, { force: true });
}

/**
 * One `npm start` per data folder: holding this lock is what makes the programs and servers recorded
 * there leftovers of a crashed run, ours to stop, instead of a second start killing those of a first.
 */
export function lockDataDir(dataDir: string): { release(): void } {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'dev-stack.pid');
  const holder = readPidFile(file)?.pid;
  // A live holder that is not Node is a reused pid, not a stack: take the lock over.
  if (holder !== undefined && holder !== process.pid && commandsOf(holder, 'pid').some((c) => /node|tsx/.test(c))) {
    throw new Error(
      `Another dev stack (pid ${holder}) is using ${dataDir}. Stop it first (Ctrl-C in its terminal), ` +
        `or set DATA_DIR to another folder. If no such process is yours, delete ${file}.`,
    );
  }
  writePidFile(file, process.pid, 'npm start');
  return {
    release() {
      if (readPidFile(file)?.pid === process.pid) fs.rmSync(file, { force: true });
    },
  };
}
