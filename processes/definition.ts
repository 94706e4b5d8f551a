import type { ScheduleDeclaration } from '../config';
import type { ActivityDeps } from '../activities/deps';
import type { PreviewInput, ProcessPreviewResult } from '../activities/preview-types';

/** A workflow function's module, and its export name (Temporal's workflow type). */
export interface WorkflowReference {
  /** Absolute path of the module (require.resolve), bundled into the worker's workflow code. */
  readonly module: string;
  readonly type: string;
}

/**
 * One registry entry: what makes a process out of a workflow file and an activities file. Nothing
 * else names a process: its settings (PROCESS_<NAME>_HOUR…), row, schedule and workflow bundle are
 * derived from this entry.
 */
export interface ProcessDefinition extends ScheduleDeclaration {
  /** The implementation's name, also the default process name (as in the seed). */
  readonly name: string;
  readonly description: string;
  readonly workflow: WorkflowReference;
  /** The process's activities, registered by the worker next to every other process's. */
  readonly createActivities: (deps: ActivityDeps) => object;
  readonly defaultProcessConfig: Record<string, unknown>;
  /** Throws InvalidProcessConfigError naming the field; the activities parse the same way. */
  readonly validateProcessConfig: (raw: unknown) => void;
  /**
   * A dry run (GET /processes/:name/preview): the tasks a run now would change, read with the run's
   * own predicate and computations and written nowhere. Absent: the implementation offers none (409).
   * Throws InvalidProcessConfigError naming the field for a config the run would fail on.
   */
  readonly preview?: (input: PreviewInput) => Promise<ProcessPreviewResult>;
}

/** The keys of a module's exports that are functions: the workflow types a module offers. */
export type WorkflowTypes<Module> = {
  [K in keyof Module]: Module[K] extends (...args: never[]) => Promise<unknown> ? K & string : never;
}[keyof Module];
