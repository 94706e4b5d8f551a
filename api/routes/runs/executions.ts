import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import '../../deps';
import { errors, NameParams } from '../../schemas/common';
import {
  ExecutionPage,
  ExecutionParams,
  ExecutionRef,
  ExecutionsQuery,
  TaskMovePage,
  TaskMovesQuery,
} from '../../schemas/runs';
import { getExecutionView } from '../../services/runs/executions';
import { listExecutions, listTaskMoves } from '../../services/runs/history';

export default async function executionRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/processes/:name/executions',
    {
      schema: {
        tags: ['runs'],
        summary: "A process's executions, newest first",
        description:
          'Filters: status, trigger, and from (inclusive) / to (exclusive) on started_at. Paginated: pass next_cursor as ' +
          "cursor for the next page. A deleted process's history stays readable under its name until the " +
          'name is taken again.',
        params: NameParams,
        querystring: ExecutionsQuery,
        response: { 200: ExecutionPage, ...errors(400, 401, 404, 503) },
      },
    },
    async (request) =>
      listExecutions(app.deps.orm.em.fork(), app.deps.registry, app.deps.config, request.params.name, request.query),
  );

  app.get(
    '/executions/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'One execution',
        description: "Any run's execution row, Behflow's own older rows and deleted processes' runs included.",
        params: ExecutionParams,
        response: { 200: ExecutionRef, ...errors(400, 401, 404, 503) },
      },
    },
    async (request) => getExecutionView(app.deps.orm.em.fork(), app.deps.config, request.params.id),
  );

  app.get(
    '/executions/:id/tasks',
    {
      schema: {
        tags: ['runs'],
        summary: 'The tasks an execution moved',
        description:
          'The audit rows (automated_process_task_moves) of the run: each task with its due date before and ' +
          'after, Gregorian and Jalali, in the order the run moved them. Paginated like the executions.',
        params: ExecutionParams,
        querystring: TaskMovesQuery,
        response: { 200: TaskMovePage, ...errors(400, 401, 404, 503) },
      },
    },
    async (request) => listTaskMoves(app.deps.orm.em.fork(), app.deps.config, request.params.id, request.query),
  );
}
