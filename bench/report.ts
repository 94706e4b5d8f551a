/** The table printed at the end and the JSON written to bench/results/. */
import fs from 'node:fs';
import path from 'node:path';
import type { BurstResult } from './burst';
import { fmt, mb, ms, ratio } from './format';
import type { LatencyResult } from './latency';
import type { MachineInfo } from './machine';
import type { BenchOptions } from './options';
import type { SizeResult, ThroughputResult } from './throughput';

export type Verdict = 'PASS' | 'MISS' | 'info';

export interface Row {
  readonly what: string;
  readonly ours: string;
  readonly floor: string;
  readonly ratio: string;
  readonly target: string;
  readonly verdict: Verdict;
}

/** The targets of the issue, in one place. */
export const TARGETS = {
  throughputRatio: 0.8,
  /** The ratio is judged at this N and above: smaller runs are dominated by fixed per-run costs. */
  throughputRatioFromN: 1_000_000,
  peakRssBytes: 300 * 1024 * 1024,
  /** "Flat": the peak at the largest N at most this much above the peak at the smallest. */
  rssGrowth: 0.2,
  latencyP50Ratio: 1.5,
} as const;

export interface Results {
  throughput?: ThroughputResult;
  latency?: LatencyResult;
  burst?: BurstResult;
  /** A section that failed, by name: its message (the other sections still ran). */
  errors: Record<string, string>;
}

export interface Report {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly options: Omit<BenchOptions, 'sections'> & { readonly sections: string[] };
  readonly machine: MachineInfo;
  /** sourceFingerprint() at the start and the end; different: the code changed during the run. */
  readonly source: { readonly atStart: string; readonly atEnd: string; readonly changedDuringRun: boolean };
  readonly stack: { readonly startedPostgres: boolean; readonly startedTemporal: boolean };
  readonly results: Results;
  readonly table: readonly Row[];
}

const verdict = (pass: boolean): Verdict => (pass ? 'PASS' : 'MISS');

export function tableRows(results: Results, options: BenchOptions): Row[] {
  return [...throughputRows(results.throughput, options), ...latencyRows(results.latency), ...burstRows(results.burst)];
}

function throughputRows(result: ThroughputResult | undefined, options: BenchOptions): Row[] {
  if (!result || result.sizes.length === 0) return [];
  const rows: Row[] = [];
  const largest = Math.max(...result.sizes.map((s) => s.size));
  const targetLabel = `≥ ${TARGETS.throughputRatio.toFixed(2)}× at N=${shortN(TARGETS.throughputRatioFromN)}`;
  for (const size of result.sizes) {
    const floor = size.floors.withAudit.tasksPerSecond;
    for (const run of size.byBatchSize) {
      const r = run.tasksPerSecond / floor;
      const atTarget = size.size >= TARGETS.throughputRatioFromN;
      rows.push({
        what: `reschedule N=${shortN(size.size)}, batch ${fmt(run.batchSize)}${run === size.byBatchSize[0] ? ' (default)' : ''}`,
        ours: run.outcome === 'completed' ? `${fmt(run.tasksPerSecond)} tasks/s` : run.outcome,
        floor: `${fmt(floor)} tasks/s`,
        ratio: ratio(r),
        target: atTarget ? targetLabel : '',
        verdict: atTarget ? verdict(run.outcome === 'completed' && r >= TARGETS.throughputRatio) : 'info',
      });
    }
    rows.push({
      what: `  SQL with audit vs bare UPDATE, N=${shortN(size.size)}`,
      ours: `${fmt(floor)} tasks/s`,
      floor: `${fmt(size.floors.bare.tasksPerSecond)} tasks/s`,
      ratio: ratio(floor / size.floors.bare.tasksPerSecond),
      target: '',
      verdict: 'info',
    });
  }
  for (const size of result.sizes) rows.push(rssRow(size, options));
  const peaks = result.sizes.map((s) => peakOf(s));
  const first = peaks[0] ?? 0;
  const last = peaks[peaks.length - 1] ?? 0;
  if (result.sizes.length > 1) {
    rows.push({
      what: `peak RSS growth N=${shortN(result.sizes[0]?.size ?? 0)} → ${shortN(largest)}`,
      ours: `${mb(first)} → ${mb(last)} MB`,
      floor: '',
      ratio: ratio(last / first),
      target: `≤ ${(1 + TARGETS.rssGrowth).toFixed(2)}× (flat)`,
      verdict: verdict(last <= first * (1 + TARGETS.rssGrowth)),
    });
  }
  return rows;
}

function rssRow(size: SizeResult, options: BenchOptions): Row {
  const peaks = size.byBatchSize.map((r) => mb(r.memory.peakRssBytes));
  return {
    what: `worker peak RSS N=${shortN(size.size)} (batch ${options.batchSizes.map(fmt).join(' / ')})`,
    ours: `${peaks.join(' / ')} MB`,
    floor: '',
    ratio: '',
    target: `< ${mb(TARGETS.peakRssBytes)} MB`,
    verdict: verdict(peakOf(size) < TARGETS.peakRssBytes),
  };
}

function peakOf(size: SizeResult): number {
  return Math.max(...size.byBatchSize.map((r) => r.memory.peakRssBytes));
}

function latencyRows(result: LatencyResult | undefined): Row[] {
  if (!result) return [];
  const { ours, floor, http } = result.summary;
  const rows = (['p50', 'p95', 'p99'] as const).map((p): Row => ({
    what: `trigger → completed row, ${p} (${result.runs} runs)`,
    ours: ms(ours[p]),
    floor: ms(floor[p]),
    ratio: ratio(ours[p] / floor[p]),
    target: p === 'p50' ? `≤ ${TARGETS.latencyP50Ratio.toFixed(2)}×` : '',
    verdict: p === 'p50' ? verdict(ours.p50 <= floor.p50 * TARGETS.latencyP50Ratio) : 'info',
  }));
  rows.push({
    what: `  trigger → HTTP 200 (wait=true), p50`,
    ours: ms(http.p50),
    floor: ms(floor.p50),
    ratio: ratio(http.p50 / floor.p50),
    target: '',
    verdict: 'info',
  });
  return rows;
}

function burstRows(result: BurstResult | undefined): Row[] {
  if (!result) return [];
  const c = result.counts;
  const info = (what: string, ours: string): Row => ({ what, ours, floor: '', ratio: '', target: '', verdict: 'info' });
  const zero = (what: string, n: number): Row => ({
    what,
    ours: String(n),
    floor: '',
    ratio: '',
    target: '0',
    verdict: verdict(n === 0),
  });
  return [
    info(
      `burst: ${result.triggers} triggers, ${result.processes} processes, ${result.clients} clients`,
      `${(result.wallMs / 1000).toFixed(1)} s`,
    ),
    info('  started (202) / rejected as overlapping (409)', `${c.started} / ${c.rejectedOverlap}`),
    info('  completed / failed', `${c.completed} / ${c.failed}`),
    zero('  lost (accepted, no closed row)', c.lost),
    zero('  duplicated (rows per workflow id > 1)', c.duplicated),
    zero('  overlapping runs of one process', c.overlapping),
    zero('  other answers, unaccounted rows', c.otherAnswers + c.unaccountedRows),
  ];
}

function shortN(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return fmt(n);
}

export function renderTable(rows: readonly Row[]): string {
  const header: Row = { what: '', ours: 'ours', floor: 'floor', ratio: 'ratio', target: 'target', verdict: 'info' };
  const cells = [header, ...rows].map((r, i) => [
    r.what,
    r.ours,
    r.floor,
    r.ratio,
    r.target,
    i === 0 ? 'result' : r.verdict === 'info' ? '' : r.verdict,
  ]);
  const widths = cells[0]?.map((_, col) => Math.max(...cells.map((c) => (c[col] ?? '').length))) ?? [];
  const line = (c: string[]) =>
    c
      .map((cell, col) => (col === 0 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = cells;
  return [line(head ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** bench/results/<timestamp>.json (git-ignored); returns its path. */
export function writeReport(report: Report): string {
  const dir = path.resolve(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
