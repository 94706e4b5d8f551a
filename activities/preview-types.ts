import type { EntityManager } from '@mikro-orm/postgresql';
import type { RunContext } from './run-types';

/** What a preview computes for: a run of the process now, without an event. */
export type PreviewRun = Pick<RunContext, 'timezone' | 'day' | 'logicalTime' | 'processConfig'>;

export interface PreviewInput {
  /** Read only: a preview writes nothing (it runs in a READ ONLY transaction). */
  readonly em: EntityManager;
  readonly run: PreviewRun;
  /** How many of the tasks to list. */
  readonly limit: number;
}

/** One task a run would change, with what it would change; the fields that fit the process. */
export interface PreviewTask {
  readonly task_id: string;
  readonly user_id: string;
  readonly title: string;
  readonly status: string;
  /** Moves: the due date now and the one the run would write, in the zone of the move. */
  readonly due_date_gregorian?: string | null;
  readonly new_due_date_gregorian?: string;
  readonly due_date_jalali?: string | null;
  readonly new_due_date_jalali?: string;
  /** Archives: when the task was completed, and the tag the run would add. */
  readonly completed_at?: string | null;
  readonly add_tag?: string;
}

export interface ProcessPreviewResult {
  /** The local day the run would be for. */
  readonly day: string;
  readonly would_change: number;
  readonly sample: readonly PreviewTask[];
  /** Anything that makes the answer differ from what a reader would assume (a setting, a cutoff). */
  readonly notes: readonly string[];
  /** Process-specific facts of the run, e.g. the archive cutoff. */
  readonly details?: Record<string, string | number | boolean | null>;
}
