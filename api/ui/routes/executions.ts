import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { badRequest } from '../../errors';
import { DEFAULT_PAGE_SIZE, ExecutionParams } from '../../schemas/runs';
import type { ExecutionView } from '../../schemas/execution';
import { executionZone, readBatchTimeline } from '../../services/runs/execution-batches';
import { getExecutionView } from '../../services/runs/executions';
import { heartbeatProgress } from '../../services/runs/heartbeat-progress';
import { decodeTaskMoveCursor, readTaskMoves } from '../../services/runs/history';
import { CONSOLE_JS } from '../console-js';
import type { ConsoleKit } from '../kit';
import { executionPage } from '../pages/execution';
import { isOpen, liveFragment, type ExecutionState } from '../pages/execution-live';

const PageCursor = Type.String({ minLength: 1, maxLength: 200 });
const TasksQuery = Type.Object(
  { after: Type.Optional(PageCursor), before: Type.Optional(PageCursor) },
  { additionalProperties: false },
);
type Params = Static<typeof ExecutionParams>;

/** An execution's page, its live fragment and JSON, and the script that keeps the page current. */
export function executionRoutes(app: FastifyInstance, kit: ConsoleKit): void {
  const { defaultZone } = kit;

  /** The execution and what its page shows of it; 404 (a page) for an unknown one. */
  async function executionState(id: string): Promise<ExecutionState> {
    const em = app.deps.orm.em.fork();
    const [view, zone, timeline] = await Promise.all([
      getExecutionView(em, app.deps.config, id),
      executionZone(em, id),
      readBatchTimeline(em, id),
    ]);
    return { view, zone: zone ?? defaultZone, timeline, progress: await progressOf(view) };
  }

  async function progressOf(view: ExecutionView) {
    return view.status === 'running' && view.workflow_id
      ? heartbeatProgress(app.deps.client, view.workflow_id, view.workflow_run_id)
      : null;
  }

  app.get('/ui/assets/console.js', { config: { public: true, consoleOpen: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(CONSOLE_JS),
  );

  app.get<{ Params: Params; Querystring: Static<typeof TasksQuery> }>(
    '/ui/executions/:id',
    { config: { public: true }, schema: { params: ExecutionParams, querystring: TasksQuery } },
    async (request, reply) => {
      const { after, before } = request.query;
      if (after !== undefined && before !== undefined) {
        throw badRequest('querystring', 'give after or before, not both');
      }
      const page = {
        limit: DEFAULT_PAGE_SIZE,
        ...(after === undefined ? {} : { after: decodeTaskMoveCursor(after, 'querystring.after') }),
        ...(before === undefined ? {} : { before: decodeTaskMoveCursor(before, 'querystring.before') }),
      };
      const [state, moves] = await Promise.all([
        executionState(request.params.id),
        readTaskMoves(app.deps.orm.em.fork(), request.params.id, page),
      ]);
      return kit.sendPage(reply, executionPage(state, moves, kit.context(request, reply)));
    },
  );

  app.get<{ Params: Params }>(
    '/ui/executions/:id/live',
    { config: { public: true }, schema: { params: ExecutionParams } },
    async (request, reply) => {
      const state = await executionState(request.params.id);
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-execution-closed', isOpen(state.view) ? 'false' : 'true')
        .send(liveFragment(state));
    },
  );

  // The JSON API's answer for the session's browser (GET /executions/:id wants the bearer token).
  app.get<{ Params: Params }>(
    '/ui/executions/:id/json',
    { config: { public: true }, schema: { params: ExecutionParams } },
    async (request, reply) =>
      reply
        .header('cache-control', 'no-store')
        .send(await getExecutionView(app.deps.orm.em.fork(), app.deps.config, request.params.id)),
  );
}
