import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config';
import { locateTemporalCli } from '../dev-stack/temporal-cli';
import type { Databases } from './db';

const execFileAsync = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, '..');

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly loadAverage: readonly number[];
  readonly platform: string;
  readonly node: string;
  readonly postgres: string;
  readonly temporalCli: string;
  readonly gitCommit: string;
  /** Uncommitted changes in the tree the figures came from. */
  readonly gitDirty: boolean;
}

/** Where the figures came from; anything that cannot be found reads "unknown" rather than failing the run. */
export async function machineInfo(dbs: Databases, config: Config): Promise<MachineInfo> {
  const [postgres, temporalCli, gitCommit, gitStatus] = await Promise.all([
    dbs.serverVersion().catch(() => 'unknown'),
    temporalVersion(config),
    run('git', ['rev-parse', 'HEAD']),
    run('git', ['status', '--porcelain']),
  ]);
  return {
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    loadAverage: os.loadavg(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres,
    temporalCli,
    gitCommit,
    gitDirty: gitStatus !== 'unknown' && gitStatus.length > 0,
  };
}

function cpuModel(): string {
  try {
    const line = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (line?.[1]) return line[1].trim();
  } catch {
    // Not Linux: os.cpus() has it too.
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

async function temporalVersion(config: Config): Promise<string> {
  try {
    const cli = await locateTemporalCli(config, { build: false, log: () => undefined });
    return await run(cli, ['--version']);
  } catch {
    return 'unknown';
  }
}

async function run(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { cwd: REPO_ROOT });
    return stdout.trim();
  } catch {
    return 'unknown';
  }
}

/** The service code the workers and the API load: forked workers pick up whatever is on disk when they start. */
const SOURCE_DIRS = [
  'activities',
  'api',
  'config',
  'db',
  'platform',
  'processes',
  'temporal',
  'time',
  'worker',
  'workflows',
];

/**
 * A hash of that code, taken at the start and the end of the run: on a shared tree, someone else's
 * edit during a long run would otherwise silently mix two versions of the code in one table.
 */
export function sourceFingerprint(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) hash.update(full).update(fs.readFileSync(full));
    }
  };
  for (const dir of SOURCE_DIRS) {
    const full = path.join(REPO_ROOT, dir);
    if (fs.existsSync(full)) walk(full);
  }
  return hash.digest('hex').slice(0, 16);
}
