import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { ChainAfter, ChainRequirement } from '../../config/chains';
import type { Overlap, ProcessConcurrency } from '../../config/concurrency';
import type { ProcessPolicy } from '../../config/policy';

/**
 * Ours, beside Behflow's automated_processes row: which registered implementation runs the process
 * (several processes may share one), and whether it was deleted. A deleted process keeps its row,
 * renamed to free its name, because its execution history refers to it.
 */
export class ProcessRegistration {
  [OptionalProps]?:
    | 'deletedAt'
    | 'apiPauseNote'
    | 'policy'
    | 'eventName'
    | 'eventFilter'
    | 'after'
    | 'requires'
    | 'concurrency'
    | 'overlap';
  processId!: string;
  implementation!: string;
  /** The name the process had when it was deleted; shown with its history. */
  displayName!: string;
  deletedAt?: Date | null;
  /** The note of the pause made through the API, while it stands (see scheduleState). */
  apiPauseNote?: string | null;
  /** The process's failure policy as set through the API (config/policy.ts); null: the defaults. */
  policy?: ProcessPolicy | null;
  /** An event-based process: the event name that runs it, and equality on its data fields (null: any). */
  eventName?: string | null;
  eventFilter?: Record<string, unknown> | null;
  /** The runs this process follows (config/chains.ts); null: none. */
  after?: ChainAfter[] | null;
  /** What must have completed for a scheduled run's local day (config/chains.ts); null: nothing. */
  requires?: ChainRequirement[] | null;
  /** How many runs at once, per key (config/concurrency.ts); null: one per process. */
  concurrency?: ProcessConcurrency | null;
  /** What a run does when the limit is reached (config/concurrency.ts); null: skip. */
  overlap?: Overlap | null;
}

export const ProcessRegistrationSchema = new EntitySchema<ProcessRegistration>({
  class: ProcessRegistration,
  tableName: 'automated_process_registrations',
  properties: {
    processId: { type: 'uuid', primary: true },
    implementation: { type: 'string', length: 255 },
    displayName: { type: 'string', length: 255 },
    deletedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    apiPauseNote: { type: 'text', nullable: true },
    policy: { type: 'json', columnType: 'jsonb', nullable: true },
    eventName: { type: 'text', nullable: true },
    eventFilter: { type: 'json', columnType: 'jsonb', nullable: true },
    after: { type: 'json', columnType: 'jsonb', nullable: true, fieldName: 'chain_after' },
    requires: { type: 'json', columnType: 'jsonb', nullable: true, fieldName: 'chain_requires' },
    concurrency: { type: 'json', columnType: 'jsonb', nullable: true },
    overlap: { type: 'text', nullable: true },
  },
});
