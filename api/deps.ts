import type { Client } from '@temporalio/client';
import type { ConfigOf } from '../config';
import type { Orm } from '../db/orm';
import type { ProcessDefinition } from '../processes/definition';
import type { Tracing } from '../platform/tracing';

/** What the API works with; injected so tests can hand it a failing Temporal client. */
export interface AppDeps {
  readonly orm: Orm;
  readonly client: Client;
  readonly config: ConfigOf<'api'>;
  readonly registry: readonly ProcessDefinition[];
  /** Set when tracing is on: each request gets a span, and the client calls it makes continue it. */
  readonly tracing?: Tracing;
}

export { scheduleSettings } from '../temporal/schedule-options';

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}
