import { formatIsoWithOffset } from '../time';
import type { PreviewInput, ProcessPreviewResult } from './preview-types';
import { countOverdue, LOCAL_TIME_OF_DAY, movedDueDates, overdueFilter, planOfRun } from './reschedule-remaining-tasks';

interface PreviewRow {
  task_id: string;
  user_id: string;
  title: string;
  status: string;
  old_due_ms: number | null;
  new_due_ms: number;
  old_jalali: string | null;
  new_jalali: string;
}

/**
 * The overdue tasks a run now would move and the due dates it would write: the run's own plan,
 * predicate and due-date expressions (planOfRun, overdueFilter, movedDueDates) in a SELECT.
 * Most overdue first. Throws InvalidProcessConfigError for a config the run would fail on.
 */
export async function previewReschedule({ em, run, limit }: PreviewInput): Promise<ProcessPreviewResult> {
  const { plan } = planOfRun(run);
  const total = await countOverdue(em, plan);
  const filter = overdueFilter(plan, 't');
  const moved = movedDueDates(plan, 'p');
  const rows = await em.execute<PreviewRow[]>(
    `WITH overdue AS (
       SELECT t.task_id, t.user_id, t.name AS title, t.status::text AS status, t.due_date_gregorian AS old_due,
              t.due_date_jalali AS old_jalali, ${LOCAL_TIME_OF_DAY} AS tod
         FROM tasks t
        WHERE ${filter.sql}
        ORDER BY t.due_date_gregorian, t.task_id
        LIMIT ?
     ), planned AS (
       SELECT o.*, extract(epoch FROM o.tod) AS sod FROM overdue o
     )
     SELECT p.task_id, p.user_id, p.title, p.status, p.old_jalali,
            (extract(epoch FROM p.old_due) * 1000)::float8 AS old_due_ms,
            (extract(epoch FROM (${moved.gregorian})) * 1000)::float8 AS new_due_ms,
            ${moved.jalali} AS new_jalali
       FROM planned p
      ORDER BY p.old_due, p.task_id`,
    [plan.timezone, ...filter.params, limit, ...moved.params],
  );
  const notes = plan.config.updateToToday
    ? []
    : [
        `process_config.update_to_today is false: a run counts the ${total} overdue tasks and moves none; ` +
          'the sample shows them and where they would go with it true',
      ];
  return {
    day: plan.day,
    would_change: plan.config.updateToToday ? total : 0,
    sample: rows.map((r) => ({
      task_id: r.task_id,
      user_id: r.user_id,
      title: r.title,
      status: r.status,
      due_date_gregorian: r.old_due_ms === null ? null : formatIsoWithOffset(plan.timezone, Number(r.old_due_ms)),
      new_due_date_gregorian: formatIsoWithOffset(plan.timezone, Number(r.new_due_ms)),
      due_date_jalali: r.old_jalali,
      new_due_date_jalali: r.new_jalali,
    })),
    notes,
    details: { overdue: total, update_to_today: plan.config.updateToToday },
  };
}
