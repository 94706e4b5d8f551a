import { formatIsoWithOffset } from '../time';
import { ARCHIVED_TAG, archiveCutoff, archivableFilter, parseArchiveConfig } from './archive-completed-tasks';
import type { PreviewInput, ProcessPreviewResult } from './preview-types';

interface PreviewRow {
  task_id: string;
  user_id: string;
  title: string;
  status: string;
  completed_ms: number | null;
}

/**
 * The completed tasks a run now would tag as archived: the run's own cutoff and predicate
 * (archiveCutoff, archivableFilter) in a SELECT, oldest completion first. Throws
 * InvalidProcessConfigError for a config the run would fail on.
 */
export async function previewArchive({ em, run, limit }: PreviewInput): Promise<ProcessPreviewResult> {
  const config = parseArchiveConfig(run.processConfig);
  const cutoff = archiveCutoff(run, config);
  const filter = archivableFilter(cutoff, config);
  const [count] = await em.execute<{ n: string }[]>(`SELECT count(*) AS n FROM tasks WHERE ${filter.sql}`, [
    ...filter.params,
  ]);
  const rows = await em.execute<PreviewRow[]>(
    `SELECT task_id, user_id, name AS title, status::text AS status,
            (extract(epoch FROM completed_at) * 1000)::float8 AS completed_ms
       FROM tasks WHERE ${filter.sql}
      ORDER BY completed_at, task_id
      LIMIT ?`,
    [...filter.params, limit],
  );
  return {
    day: run.day,
    would_change: Number(count?.n ?? 0),
    sample: rows.map((r) => ({
      task_id: r.task_id,
      user_id: r.user_id,
      title: r.title,
      status: r.status,
      completed_at: r.completed_ms === null ? null : formatIsoWithOffset(run.timezone, Number(r.completed_ms)),
      add_tag: ARCHIVED_TAG,
    })),
    notes: [],
    details: {
      cutoff: formatIsoWithOffset(run.timezone, cutoff.getTime()),
      older_than_days: config.olderThanDays,
    },
  };
}
