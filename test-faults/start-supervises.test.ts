/**
 * `npm start` supervises its programs: a worker killed with kill -9 is started again, and the log says
 * which one and why, while the API, PostgreSQL and Temporal keep running. Ctrl-C (SIGINT to its
 * process group, as a terminal sends it) then stops everything and leaves no process behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../dev-stack/index';
import { getFreePort } from '../dev-stack/ports';
import { signalGroup, stopGroup } from '../dev-stack/processes';
import { CONFIG_VARIABLES } from './support/stack';
import { eventually, report, seconds } from './support/timing';

const FILE = 'start-supervises';
const REPO = path.resolve(__dirname, '..');
const WORKER_STARTED = 'Automated process worker started';

const processes = () =>
  execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .flatMap((m) => (m ? [{ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] ?? '' }] : []));

test('npm start restarts a killed worker, keeps the rest running, and Ctrl-C leaves nothing behind', async () => {
  const dataDir = makeTempDir('behflow-faults-start-');
  const ports: number[] = [];
  for (let i = 0; i < 4; i++) ports.push(await getFreePort());
  const [postgresPort, temporalPort, uiPort, apiPort] = ports.map(String);
  const outFile = path.join(dataDir, 'npm-start.out');
  const out = () => fs.readFileSync(outFile, 'utf8');
  const outFd = fs.openSync(outFile, 'w');
  const inherited = Object.entries(process.env).filter(([name]) => !CONFIG_VARIABLES.test(name));
  const env = {
    ...Object.fromEntries(inherited),
    ...{ DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: postgresPort, TEMPORAL_DEV_PORT: temporalPort },
    ...{ TEMPORAL_UI_PORT: uiPort, API_PORT: apiPort, LOG_LEVEL: 'info' },
  };
  // Its own process group, like a terminal's foreground job.
  const npm = spawn('npm', ['start'], { cwd: REPO, env, stdio: ['ignore', outFd, outFd], detached: true });
  fs.closeSync(outFd);
  const npmExited = new Promise<string>((resolve) => npm.once('exit', (code, signal) => resolve(signal ?? `${code}`)));
  const recordedPid = (file: string) => Number(fs.readFileSync(path.join(dataDir, file), 'utf8').split('\n')[0]);
  const serverPids = () => ({
    postgres: recordedPid('postgres/postmaster.pid'),
    temporal: processes().find((p) => p.args.includes(`--db-filename ${dataDir}/temporal.db`))?.pid,
  });
  const apiReady = async () => (await fetch(`http://127.0.0.1:${apiPort}/ready`)).ok || undefined;
  const started = Date.now();
  try {
    await eventually('the API is ready', apiReady, { timeoutMs: 180_000, intervalMs: 500 });
    await eventually('the worker has started', async () => out().includes(WORKER_STARTED) || undefined, {
      timeoutMs: 180_000,
    });
    const upAt = Date.now();
    const before = { ...serverPids(), api: recordedPid('api.pid'), workerGroup: recordedPid('worker.pid') };
    expect(before.temporal).toBeDefined();

    // kill -9 of the worker itself: the node process tsx runs bin/worker.ts in, as an OOM kill would.
    const worker = processes().find((p) => p.ppid === before.workerGroup && p.args.includes('bin/worker.ts'));
    if (worker === undefined) throw new Error(`no worker process under ${before.workerGroup}\n${out()}`);
    process.kill(worker.pid, 'SIGKILL');
    await eventually('the worker is back', async () => out().split(WORKER_STARTED).length === 3 || undefined, {
      timeoutMs: 180_000,
    });
    const backAt = Date.now();
    expect(out()).toContain(
      'The worker exited unexpectedly (exit code 137: its script was killed by SIGKILL); restarting it in 1s.',
    );
    expect(recordedPid('worker.pid')).not.toBe(before.workerGroup);
    expect(signalGroup(before.workerGroup, 0)).toBe(false);
    expect(await apiReady()).toBe(true);
    expect({ ...serverPids(), api: recordedPid('api.pid') }).toEqual({
      postgres: before.postgres,
      temporal: before.temporal,
      api: before.api,
    });

    const groups = [npm.pid ?? 0, recordedPid('worker.pid'), before.api, recordedPid('servers.pid')];
    process.kill(-(npm.pid ?? 0), 'SIGINT');
    // npm re-raises the SIGINT its script got, after the script has exited.
    expect(['0', 'SIGINT']).toContain(await npmExited);
    const stoppedAt = Date.now();
    expect(out()).toContain('[dev-stack] Stopped.');
    expect(out()).not.toContain('A server died');
    expect(groups.filter((pgid) => signalGroup(pgid, 0))).toEqual([]);
    expect(processes().filter((p) => p.args.includes(dataDir))).toEqual([]);
    report(FILE, `npm start up in ${seconds(upAt - started)} s; worker back ${seconds(backAt - upAt)} s after kill -9`);
    report(FILE, `Ctrl-C stopped everything in ${seconds(stoppedAt - backAt)} s`);
  } finally {
    // Only if the test failed half-way: nothing of this npm start may outlive it.
    for (const file of ['worker.pid', 'api.pid', 'servers.pid']) {
      if (fs.existsSync(path.join(dataDir, file))) await stopGroup(recordedPid(file), 'SIGKILL', 0);
    }
    if (npm.pid !== undefined) await stopGroup(npm.pid, 'SIGKILL', 0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 600_000);
