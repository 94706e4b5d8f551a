/**
 * What a run leaves behind: the summary (the figures the README quotes) in bench/results/, the raw
 * per-repeat numbers in the git-ignored bench/results/raw/, and the table, read off the summary alone.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config';
import { REPO_ROOT } from '../dev-stack/load-config';
import { locateTemporalCli } from '../dev-stack/temporal-cli';
import { percentile, withPg, type BenchOptions, type Databases } from './context';
import type { ConsoleResult } from './console-pages';
import type { LatenessResult } from './lateness';
import type { SizeResult } from './throughput';
import type { measureBurst, measureLatency } from './triggers';

export interface Results {
  throughput?: SizeResult[];
  latency?: Awaited<ReturnType<typeof measureLatency>>;
  burst?: Awaited<ReturnType<typeof measureBurst>>;
  lateness?: LatenessResult;
  console?: ConsoleResult;
  /** A section that failed, by name: its message (the other sections still ran). */
  errors: Record<string, string>;
}

const run = (command: string, args: string[]) => {
  const { status, stdout } = spawnSync(command, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  return status === 0 ? stdout.trim() : 'unknown';
};

/** Where the figures came from; anything that cannot be found reads "unknown" rather than failing the run. */
export async function machineInfo(dbs: Databases, config: Config) {
  const cli = await locateTemporalCli(config, { build: false }).catch(() => 'temporal');
  const version = await withPg(dbs.url('postgres'), (pg) => pg.query('SHOW server_version')).catch(() => undefined);
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    load: Number(os.loadavg()[0]?.toFixed(2)),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: String(version?.rows[0]?.server_version ?? 'unknown'),
    temporal: run(cli, ['--version']).split('\n')[0] ?? 'unknown',
  };
}

/** The service code the workers and the API load: forked workers pick up whatever is on disk when they start. */
const SOURCE_DIRS = 'activities api config db platform processes temporal time worker workflows'.split(' ');

/**
 * A hash of that code, taken at the start and the end of the run: on a shared tree, someone else's
 * edit during a long run would otherwise silently mix two versions of the code in one table.
 */
export function sourceFingerprint(): string {
  const hash = createHash('sha256');
  for (const dir of SOURCE_DIRS.map((d) => path.join(REPO_ROOT, d)).filter((d) => fs.existsSync(d))) {
    const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    for (const file of files.sort())
      hash.update(path.relative(REPO_ROOT, path.join(dir, file))).update(fs.readFileSync(path.join(dir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

export type Summary = ReturnType<typeof summary>;

const round = (n: number, digits = 0) => Number(n.toFixed(digits));
const median = (samples: readonly number[]) => percentile(samples, 50);
const PERCENTILES = ['p50', 'p95', 'p99'] as const;
const perPercentile = (f: (p: (typeof PERCENTILES)[number]) => number) =>
  Object.fromEntries(PERCENTILES.map((p) => [p, f(p)])) as Record<(typeof PERCENTILES)[number], number>;

/** The figures the README quotes: medians over the repeats, ratios to the floors, and where they came from. */
export function summary(
  { throughput, latency, burst, lateness, console: pages, errors }: Results,
  options: BenchOptions,
  startedAt: Date,
  machine: Awaited<ReturnType<typeof machineInfo>>,
  /** sourceFingerprint() at the start and at the end. */
  fingerprints: [string, string],
) {
  const sizes = throughput?.map((s) => {
    const floor = median(s.floors.map((f) => f.withAudit.tasksPerSecond));
    const bare = median(s.floors.map((f) => f.bare.tasksPerSecond));
    const byRun = options.batchSizes.flatMap((batchSize) =>
      options.partitions.map((partitions) => {
        const runs = s.runs.filter((r) => r.batchSize === batchSize && r.partitions === partitions);
        const tps = median(runs.map((r) => r.tasksPerSecond));
        const peakRssMB = Math.round(median(runs.map((r) => r.peakRssBytes)) / 2 ** 20);
        const failed = runs.filter((r) => r.error).length;
        const [ratio, bareRatio] = [round(tps / floor, 2), round(tps / bare, 2)];
        return { batchSize, partitions, tasksPerSecond: round(tps), ratio, bareRatio, peakRssMB, failed };
      }),
    );
    const repeats = s.floors.length;
    return {
      overdue: s.size,
      repeats,
      floorTasksPerSecond: round(floor),
      bareUpdateTasksPerSecond: round(bare),
      byRun,
    };
  });
  const peaks = sizes?.map((s) => Math.max(...s.byRun.map((b) => b.peakRssMB))) ?? [];
  /** Issue 14: throughput at the largest size against 1M's, run by run (the same batch size and partitions). */
  const at1M = sizes?.find((s) => s.overdue === 1_000_000);
  const largest = sizes?.at(-1);
  const scaling =
    at1M && largest && largest.overdue > at1M.overdue
      ? largest.byRun.map((r, i) => ({
          batchSize: r.batchSize,
          partitions: r.partitions,
          ratio: round(r.tasksPerSecond / (at1M.byRun[i]?.tasksPerSecond ?? NaN), 2),
        }))
      : undefined;
  const ms = (samples: readonly number[]) => perPercentile((p) => percentile(samples, Number(p.slice(1))));
  const at = latency && { row: ms(latency.toCompletedRowMs), http: ms(latency.httpMs), floor: ms(latency.floorMs) };
  return {
    date: startedAt.toISOString(),
    minutes: round((Date.now() - startedAt.getTime()) / 60_000, 1),
    // Unset repeats depend on the size (bench/throughput.ts): each size says how many it had.
    options: { ...options, sections: [...options.sections], repeats: options.repeats ?? 'by size' },
    machine,
    code: {
      commit: run('git', ['rev-parse', 'HEAD']),
      dirty: run('git', ['status', '--porcelain']) !== '',
      fingerprint: fingerprints[0],
      changedDuringRun: fingerprints[0] !== fingerprints[1],
    },
    throughput: sizes && {
      sizes,
      peakRssGrowth: round((peaks.at(-1) ?? NaN) / (peaks[0] ?? NaN), 2),
      scaling: scaling && { overdue: largest?.overdue, vs1M: scaling },
    },
    latency: at && {
      runs: latency?.floorMs.length,
      toCompletedRowMs: perPercentile((p) => round(at.row[p])),
      httpWaitMs: perPercentile((p) => round(at.http[p])),
      floorMs: perPercentile((p) => round(at.floor[p])),
      ratio: perPercentile((p) => round(at.row[p] / at.floor[p], 2)),
      httpRatio: perPercentile((p) => round(at.http[p] / at.floor[p], 2)),
    },
    burst: burst && { ...burst, seconds: round(burst.seconds, 1), otherAnswerSamples: undefined },
    lateness: lateness && latenessSummary(lateness),
    console: pages && consoleSummary(pages),
    errors,
  };
}

/** Issue 14: schedule lateness p99 under 1 s. */
export const LATENESS_P99_GOAL_MS = 1000;

function latenessSummary({ toRowOpenedMs, toStartedMs, toWorkflowStartMs, ...counts }: LatenessResult) {
  const ms = (samples: readonly number[]) => perPercentile((p) => round(percentile(samples, Number(p.slice(1)))));
  const toRowOpened = ms(toRowOpenedMs);
  return {
    ...counts,
    toRowOpenedMs: toRowOpened,
    toStartedMs: ms(toStartedMs),
    toWorkflowStartMs: ms(toWorkflowStartMs),
    p99Ratio: round(toRowOpened.p99 / LATENESS_P99_GOAL_MS, 2),
  };
}

/** Issue 13 item 5: every page's server time p95 ≤ 150 ms; issue 14: the JSON routes' p99 ≤ 25 ms. */
export const PAGE_P95_FLOOR_MS = 150;
export const JSON_P99_FLOOR_MS = 25;

function consoleSummary({ seed, pages }: ConsoleResult) {
  return {
    seed: { ...seed, seconds: round(seed.seconds, 1) },
    pages: pages.map(({ name, kind, ms }) => {
      const at = perPercentile((p) => round(percentile(ms, Number(p.slice(1))), 1));
      const p99Ratio = kind === 'json' ? round(at.p99 / JSON_P99_FLOOR_MS, 2) : undefined;
      return { name, kind, requests: ms.length, ms: at, p95Ratio: round(at.p95 / PAGE_P95_FLOOR_MS, 2), p99Ratio };
    }),
  };
}

export function writeResults(summary: Summary, raw: Results): string {
  const file = (dir: string) => path.join(__dirname, 'results', dir, `${summary.date.replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(file('raw')), { recursive: true });
  fs.writeFileSync(file('raw'), `${JSON.stringify({ summary, raw }, null, 2)}\n`);
  fs.writeFileSync(file(''), `${JSON.stringify(summary, null, 2)}\n`);
  return file('');
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const shortN = (n: number) => (n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n % 1000 === 0 ? `${n / 1000}k` : fmt(n));
const x = (ratio: number) => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '');
const verdict = (pass: boolean | undefined) => (pass === undefined ? '' : pass ? 'PASS' : 'MISS');

/** The table printed at the end, read off the summary; PASS or MISS against the issue's targets. */
export function renderTable(s: Summary): string {
  const rows = [['', 'ours', 'floor', 'ratio', 'target', 'result']];
  const row = (what: string, ours: string, floor = '', ratio = NaN, target = '', pass?: boolean) =>
    rows.push([what, ours, floor, x(ratio), target, verdict(pass)]);
  const sizes = s.throughput?.sizes ?? [];
  for (const { overdue, floorTasksPerSecond: audit, bareUpdateTasksPerSecond: bare, byRun } of sizes) {
    const [n, floor, bareFloor] = [shortN(overdue), `${fmt(audit)} tasks/s`, `${fmt(bare)} tasks/s`];
    // Judged at 1M only: smaller runs are dominated by fixed per-run costs.
    const judged = overdue === 1_000_000;
    for (const b of byRun) {
      const ours = `${fmt(b.tasksPerSecond)} tasks/s${b.failed ? ` (${b.failed} FAILED)` : ''}`;
      const what = `reschedule N=${n}, batch ${fmt(b.batchSize)}, P=${b.partitions}`;
      const ok = !b.failed;
      row(what, ours, floor, b.ratio, judged ? '≥ 0.80×' : '', judged ? ok && b.ratio >= 0.8 : undefined);
      if (b.partitions > 1)
        row(
          `  vs bare UPDATE`,
          ours,
          bareFloor,
          b.bareRatio,
          judged ? '≥ 1.00×' : '',
          judged ? ok && b.bareRatio >= 1 : undefined,
        );
    }
    row(`  SQL with audit vs bare UPDATE, N=${n}`, floor, bareFloor, audit / bare);
  }
  const scaling = s.throughput?.scaling;
  for (const r of scaling?.vs1M ?? []) {
    const what = `throughput N=${shortN(scaling?.overdue ?? 0)} vs N=1M, batch ${fmt(r.batchSize)}, P=${r.partitions}`;
    row(what, '', '', r.ratio, '≥ 0.90×', r.ratio >= 0.9);
  }
  for (const { overdue, byRun } of sizes) {
    const peaks = byRun.map((b) => b.peakRssMB);
    const what = `worker peak RSS N=${shortN(overdue)} (${byRun.map((b) => `${fmt(b.batchSize)}/P${b.partitions}`).join(', ')})`;
    row(what, `${peaks.join(' / ')} MB`, '', NaN, '≤ 300 MB', Math.max(...peaks) <= 300);
  }
  const growth = s.throughput?.peakRssGrowth ?? NaN;
  if (sizes.length > 1) row('peak RSS growth, smallest → largest N', '', '', growth, '≤ 1.20× (flat)', growth <= 1.2);
  if (s.latency) {
    const { toCompletedRowMs: ours, httpWaitMs: http, floorMs: floor, ratio, runs } = s.latency;
    const what = 'trigger → completed row,';
    row(`${what} p50 (${runs} runs)`, `${ours.p50} ms`, `${floor.p50} ms`, ratio.p50, '≤ 1.50×', ratio.p50 <= 1.5);
    for (const p of ['p95', 'p99'] as const) row(`${what} ${p}`, `${ours[p]} ms`, `${floor[p]} ms`, ratio[p]);
    row('  trigger → HTTP 200 (wait=true), p50', `${http.p50} ms`, `${floor.p50} ms`, s.latency.httpRatio.p50);
  }
  if (s.burst) {
    const b = s.burst;
    const zero = (what: string, n: number) => row(what, String(n), '', NaN, '0', n === 0);
    row(`burst: ${b.triggers} triggers, ${b.processes} processes, ${b.clients} clients`, `${b.seconds} s`);
    row('  started (202) / rejected as overlapping (409)', `${b.started} / ${b.rejectedOverlap}`);
    row('  completed / failed', `${b.completed} / ${b.failed}`);
    zero('  lost (accepted, no closed row)', b.lost);
    zero('  duplicated (rows per workflow id > 1)', b.duplicated);
    zero('  overlapping runs of one process', b.overlapping);
    zero('  other answers, unaccounted rows', b.otherAnswers + b.unaccountedRows);
  }
  if (s.lateness) {
    const l = s.lateness;
    const [opened, started] = [l.toRowOpenedMs, l.toStartedMs];
    const fires = `${l.processes} processes × ${l.minutes} minutes`;
    row(`schedule lateness (${fires}): nominal → row opened, p50`, `${opened.p50} ms`);
    const goal = `${LATENESS_P99_GOAL_MS} ms`;
    row('  nominal → row opened, p99', `${opened.p99} ms`, goal, l.p99Ratio, '< 1.00×', l.p99Ratio < 1);
    row('  nominal → run started (slot taken), p50 / p99', `${started.p50} / ${started.p99} ms`);
    const temporal = l.toWorkflowStartMs;
    row('  nominal → workflow started (Temporal), p50 / p99', `${temporal.p50} / ${temporal.p99} ms`);
    row('  fires seen', String(l.fires), '', NaN, String(l.processes * l.minutes), l.fires === l.processes * l.minutes);
    row('  missing / doubled', `${l.missing} / ${l.doubled}`, '', NaN, '0 / 0', l.missing + l.doubled === 0);
  }
  if (s.console) {
    const { seed, pages } = s.console;
    row(`console seed: ${fmt(seed.executions)} executions, ${fmt(seed.moves)} task moves`, `${seed.seconds} s`);
    for (const { name, kind, requests, ms, p95Ratio, p99Ratio } of pages) {
      const [p95, p99] = [`≤ ${PAGE_P95_FLOOR_MS} ms p95`, `${JSON_P99_FLOOR_MS} ms`];
      const percentiles = `${ms.p50} / ${ms.p95} / ${ms.p99} ms`;
      row(`${name} (${requests}), p50/p95/p99`, percentiles, `${PAGE_P95_FLOOR_MS} ms`, p95Ratio, p95, p95Ratio <= 1);
      if (kind === 'json' && p99Ratio !== undefined)
        row(`  p99 vs issue 14's floor`, `${ms.p99} ms`, p99, p99Ratio, '≤ 25 ms p99', p99Ratio <= 1);
    }
  }
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  const line = (r: string[]) => widths.map((w, col) => (r[col] ?? '')[col ? 'padStart' : 'padEnd'](w)).join('  ');
  const [head = [], ...body] = rows;
  return [head, widths.map((w) => '-'.repeat(w)), ...body].map((r) => line(r).trimEnd()).join('\n');
}
