import type { FastifyInstance } from 'fastify';
import backfillRoutes from './backfill';
import executionRoutes from './executions';
import nominalTimeRoutes from './nominal-times';
import notificationRoutes from './notifications';
import previewRoutes from './preview';
import rerunRoutes from './rerun';
import triggerRoutes from './trigger';

/** Runs: trigger, backfill, rerun and preview (dry run) a process, and read its executions, the tasks they moved and its notifications. */
export default async function runRoutes(app: FastifyInstance): Promise<void> {
  await app.register(triggerRoutes);
  await app.register(backfillRoutes);
  await app.register(rerunRoutes);
  await app.register(executionRoutes);
  await app.register(nominalTimeRoutes);
  await app.register(notificationRoutes);
  await app.register(previewRoutes);
}
