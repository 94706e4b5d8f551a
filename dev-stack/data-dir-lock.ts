import fs from 'node:fs';
import path from 'node:path';
import { readPidFile } from './leftovers';
import { describeProcess, isAlive } from './processes';

const LOCK_FILE = 'dev-stack.pid';

/** Re-entrant within this process: start.ts holds the lock around startStack, which takes it too. */
const holds = new Map<string, number>();

/**
 * One persistent stack per data folder. Holding this lock is what lets the servers' start code treat
 * a live PostgreSQL or Temporal found in the folder as an orphan of a crashed run and stop it,
 * instead of a second `npm start` killing the servers of a first one.
 */
export async function lockDataDir(dataDir: string): Promise<{ release(): void }> {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const held = holds.get(file) ?? 0;
  if (held === 0) await acquire(file, dataDir);
  holds.set(file, held + 1);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      const remaining = (holds.get(file) ?? 1) - 1;
      holds.set(file, remaining);
      if (remaining === 0 && readPid(file) === process.pid) fs.rmSync(file, { force: true });
    },
  };
}

async function acquire(file: string, dataDir: string): Promise<void> {
  const holder = readPid(file);
  if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
    const info = await describeProcess(holder);
    // A pid reused by something that is not Node is not a stack; take the lock over.
    if (info === undefined || /\bnode\b|tsx/.test(info.command)) {
      throw new Error(
        `Another dev stack (pid ${holder}) is using ${dataDir}. Stop it first (Ctrl-C in its terminal), ` +
          `or set DATA_DIR to another folder. If no such process is yours, delete ${file}.`,
      );
    }
  }
  fs.writeFileSync(file, `${process.pid}\n`);
}

function readPid(file: string): number | undefined {
  return readPidFile(file)?.pid;
}
