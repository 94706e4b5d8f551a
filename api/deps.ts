import type { Client } from '@temporalio/client';
import type { ConfigOf } from '../config';
import type { Orm } from '../db/orm';
import type { ProcessDefinition } from '../processes/definition';

/** What the API works with; injected so tests can hand it a failing Temporal client. */
export interface AppDeps {
  readonly orm: Orm;
  readonly client: Client;
  readonly config: ConfigOf<'api'>;
  readonly registry: readonly ProcessDefinition[];
}

export { scheduleSettings } from '../temporal/schedule-options';

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}
