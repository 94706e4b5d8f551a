import { execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** True while a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ProcessInfo {
  readonly ppid: number;
  /** The full command line, to recognise our own servers left over from a crashed run. */
  readonly command: string;
}

/** ppid and command line of a live process; `ps` works the same on Linux and macOS. */
export async function describeProcess(pid: number): Promise<ProcessInfo | undefined> {
  try {
    const { stdout } = await execFileAsync('ps', ['-o', 'ppid=,args=', '-p', String(pid)]);
    const match = /^\s*(\d+)\s+(.*)$/s.exec(stdout.trim());
    return match ? { ppid: Number(match[1]), command: (match[2] ?? '').trim() } : undefined;
  } catch {
    return undefined; // ps exits 1 when the process is gone
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** true if the child exited within ms; the timer is cleared so it never holds the process open. */
export function exitedWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** Signals a whole process group when the child leads one (spawned detached), so its own children go too. */
function signal(pid: number, sig: NodeJS.Signals, group: boolean): void {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch {
    // Already gone.
  }
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exited(child: ChildProcess): Promise<void> {
  return hasExited(child) ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

export interface StopOptions {
  readonly signal: NodeJS.Signals;
  readonly graceMs: number;
  /** The child was spawned detached and leads its own process group: SIGKILL what is left of it. */
  readonly group: boolean;
}

/** Asks politely, then SIGKILLs after the grace period; resolves once the process has exited. */
export async function stopChild(child: ChildProcess, options: StopOptions): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || hasExited(child)) {
    if (pid !== undefined && options.group) signal(pid, 'SIGKILL', true); // stragglers of the group
    return;
  }
  // The leader only: it shuts its own children down (tsx relays the signal to the script it runs,
  // postgres stops its backends). Signalling the group would deliver the signal twice.
  signal(pid, options.signal, false);
  const timedOut = !(await exitedWithin(child, options.graceMs));
  // Also after a clean exit: a group member that outlived its leader must not linger.
  if (options.group || timedOut) signal(pid, 'SIGKILL', options.group);
  if (timedOut) await exited(child);
}

/** The same for a process we did not spawn (left behind by a crashed run). */
export async function stopPid(pid: number, sig: NodeJS.Signals, graceMs: number, group: boolean): Promise<void> {
  signal(pid, sig, false); // the leader only, as in stopChild
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid) || group) signal(pid, 'SIGKILL', group);
  while (isAlive(pid)) await sleep(50);
}

/**
 * If our Node process exits without stopping the stack (uncaught error, process.exit), the detached
 * servers would live on. Node runs only synchronous code in 'exit', which is enough to send a signal.
 * Returns the function that removes the hook, called by a normal stop().
 */
export function signalOnExit(child: ChildProcess, sig: NodeJS.Signals): () => void {
  const hook = () => {
    if (child.pid !== undefined && !hasExited(child)) signal(child.pid, sig, true);
  };
  process.on('exit', hook);
  return () => process.off('exit', hook);
}
