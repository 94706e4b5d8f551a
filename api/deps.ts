import type { Client } from '@temporalio/client';
import type { ConfigOf, SharedConfig } from '../config';
import type { Orm } from '../db/orm';
import type { ProcessDefinition } from '../processes/definition';
import type { ScheduleSettings } from '../temporal/schedule-options';

/** What the API works with; injected so tests can hand it a failing Temporal client. */
export interface AppDeps {
  readonly orm: Orm;
  readonly client: Client;
  readonly config: ConfigOf<'api'>;
  readonly registry: readonly ProcessDefinition[];
}

export function scheduleSettings(config: SharedConfig): ScheduleSettings {
  return { taskQueue: config.taskQueue, catchupWindowMinutes: config.catchupWindowMinutes };
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}
