import type { FastifyInstance } from 'fastify';

/** Runs: trigger, backfill, executions (being written). */
export default async function runRoutes(_app: FastifyInstance): Promise<void> {}
