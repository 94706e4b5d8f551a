import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { FromChild, ToChild } from './worker-child';

const REPO_ROOT = path.resolve(__dirname, '..');
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 30_000;
const SAMPLE_MS = 200;

export interface MemoryReport {
  /** VmHWM of the child at the end: the most resident memory it ever had, startup included. */
  readonly peakRssBytes: number;
  /** VmRSS once warmed up, just before the measured work. */
  readonly baselineRssBytes: number;
  /** The child's own process.resourceUsage().maxRSS, a cross-check of VmHWM. */
  readonly reportedMaxRssBytes: number;
  /** Highest VmRSS seen by sampling every 200 ms (misses short spikes; VmHWM does not). */
  readonly sampledMaxRssBytes: number;
  /** The child's process.memoryUsage() at the end: V8 heap and buffers; the rest of RSS is native code and data. */
  readonly usageAtEnd: NodeJS.MemoryUsage;
}

/** A benchmark worker in a child process of its own; the parent watches its memory. */
export class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private sampler: NodeJS.Timeout | undefined;
  private sampledMax = 0;
  private baseline = 0;

  private constructor(child: ChildProcess) {
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Forks `entry` (relative to the repo) under tsx with `env`, and resolves once it polls its task queue. */
  static async start(entry: string, env: Record<string, string>): Promise<WorkerProcess> {
    const child = fork(path.join(REPO_ROOT, entry), [], {
      cwd: REPO_ROOT,
      // The child runs TypeScript the way the parent does; its pid is the worker's own Node process.
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker = new WorkerProcess(child);
    try {
      await worker.next('ready', READY_TIMEOUT_MS);
    } catch (err) {
      await worker.stop();
      throw err;
    }
    return worker;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Marks the start of the measured work: records the warmed-up RSS and starts sampling. */
  beginMeasuring(): void {
    this.baseline = readStatus(this.pid).rss;
    this.sampledMax = this.baseline;
    this.sampler = setInterval(() => {
      this.sampledMax = Math.max(this.sampledMax, readStatus(this.pid).rss);
    }, SAMPLE_MS);
    this.sampler.unref();
  }

  async memory(): Promise<MemoryReport> {
    clearInterval(this.sampler);
    const status = readStatus(this.pid);
    this.send({ type: 'stats' });
    const stats = await this.next('stats', 10_000);
    return {
      peakRssBytes: status.hwm || stats.maxRssKb * 1024,
      baselineRssBytes: this.baseline,
      reportedMaxRssBytes: stats.maxRssKb * 1024,
      sampledMaxRssBytes: Math.max(this.sampledMax, status.rss),
      usageAtEnd: stats.usage,
    };
  }

  /** Drains the worker (running activities finish), then SIGKILL if it does not exit in time. */
  async stop(): Promise<void> {
    clearInterval(this.sampler);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private send(message: ToChild): void {
    if (this.child.connected) this.child.send(message);
  }

  private next<T extends FromChild['type']>(type: T, timeoutMs: number): Promise<FromChild & { type: T }> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      const onMessage = (message: FromChild) => {
        if (message.type === 'error') {
          done();
          reject(new Error(`benchmark worker failed: ${message.message}`));
        } else if (message.type === type) {
          done();
          resolve(message as FromChild & { type: T });
        }
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`benchmark worker exited (code ${code}) before "${type}"`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`benchmark worker sent no "${type}" within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }
}

/** VmRSS and VmHWM in bytes from /proc/<pid>/status (0 where there is no /proc, e.g. macOS). */
function readStatus(pid: number): { rss: number; hwm: number } {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}
