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

export function writePidFile(file: string, pid: number, marker: string): void {
  fs.writeFileSync(file, `${pid}\n${marker}\n`);
}

/** The pid a pid file records, if that process (or group) is still there running a command with the marker. */
function stillRunning(file: string, by: 'pid' | 'pgid'): number | undefined {
  const [recorded = '', marker = ''] = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
  const id = Number(recorded);
  if (!(id > 0) || marker === '') return undefined;
  // `ps` works alike on Linux and macOS.
  const lines = execFileSync('ps', ['-eo', `${by}=,args=`], { encoding: 'utf8' }).split('\n');
  return lines.some((line) => Number(/^\s*(\d+)/.exec(line)?.[1]) === id && line.includes(marker)) ? id : undefined;
}

export async function stopLeftover(file: string, what: string, log: Log): Promise<void> {
  const pgid = stillRunning(file, 'pgid');
  if (pgid !== undefined) {
    log(`Stopping ${what} (process group ${pgid}) left running by an earlier run that did not shut down.`);
    await stopGroup(pgid, 'SIGTERM', 30_000);
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
  const holder = stillRunning(file, 'pid');
  if (holder !== undefined && holder !== process.pid) {
    throw new Error(
      `Another dev stack (pid ${holder}) is using ${dataDir}. Stop it first (Ctrl-C in its terminal), ` +
        `or set DATA_DIR to another folder. If no such process is yours, delete ${file}.`,
    );
  }
  const mine = `${process.pid}\n${process.argv[1] ?? 'node'}\n`;
  fs.writeFileSync(file, mine);
  return {
    release() {
      if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === mine) fs.rmSync(file, { force: true });
    },
  };
}
