import fs from 'node:fs';
import { describeProcess, isAlive, stopPid } from './processes';
import type { Log } from './types';

/**
 * Servers and children are detached (own process groups, for an ordered shutdown), so if our Node
 * process is SIGKILLed they live on. Each start records "pid\nmarker" in a pid file; the next start
 * stops a process that is still alive and whose command line contains the marker (so a reused pid
 * is never killed), then deletes the file.
 */
export function writePidFile(file: string, pid: number | undefined, marker: string): void {
  if (pid !== undefined) fs.writeFileSync(file, `${pid}\n${marker}\n`);
}

export function readPidFile(file: string): { pid: number; marker: string | undefined } | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(file, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const marker = lines[1]?.trim();
  return { pid, marker: marker === '' ? undefined : marker };
}

export interface LeftoverOptions {
  readonly what: string;
  /** Required unless the pid file carries one (PostgreSQL's postmaster.pid does not). */
  readonly marker?: string;
  readonly signal: NodeJS.Signals;
  readonly graceMs: number;
  /** The process leads a process group (we spawned it detached): stop the whole group. */
  readonly group: boolean;
  readonly log: Log;
}

export async function stopLeftover(file: string, options: LeftoverOptions): Promise<void> {
  const recorded = readPidFile(file);
  if (recorded === undefined) return;
  const marker = options.marker ?? recorded.marker;
  const info = marker !== undefined && isAlive(recorded.pid) ? await describeProcess(recorded.pid) : undefined;
  if (marker !== undefined && info?.command.includes(marker)) {
    options.log(
      `Stopping ${options.what} (pid ${recorded.pid}) left running by an earlier run that did not shut down.`,
    );
    await stopPid(recorded.pid, options.signal, options.graceMs, options.group);
  }
  fs.rmSync(file, { force: true });
}
