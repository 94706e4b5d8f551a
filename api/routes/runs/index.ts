import type { FastifyInstance } from 'fastify';
import backfillRoutes from './backfill';
import executionRoutes from './executions';
import nominalTimeRoutes from './nominal-times';
import notificationRoutes from './notifications';
import triggerRoutes from './trigger';

/** Runs: trigger and backfill a process, and read its executions, the tasks they moved and its notifications. */
export default async function runRoutes(app: FastifyInstance): Promise<void> {
  await app.register(triggerRoutes);
  await app.register(backfillRoutes);
  await app.register(executionRoutes);
  await app.register(nominalTimeRoutes);
  await app.register(notificationRoutes);
}
