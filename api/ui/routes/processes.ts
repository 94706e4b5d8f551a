import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { NameParams } from '../../schemas/common';
import { dailyStats, dailyStatsCache } from '../../services/runs/daily-stats';
import { executionHistory } from '../../services/runs/history';
import type { ConsoleKit } from '../kit';
import { processPage } from '../pages/process';
import { processesPage, zoneOf } from '../pages/processes';
import { parseHistoryQuery, ProcessPageQuery } from './process-query';

const EXECUTIONS_PER_PAGE = 20;

const NoteBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 500 })), _csrf: Type.String() },
  { additionalProperties: false },
);

/** The processes list, a process's page, and pausing and resuming it. */
export function processRoutes(app: FastifyInstance, kit: ConsoleKit): void {
  const { processes, defaultZone, formRoute } = kit;
  const pastDays = dailyStatsCache(() => app.deps.orm.em.fork());

  app.get('/ui', { config: { public: true } }, async (request, reply) => {
    const views = await processes.list();
    return kit.sendPage(reply, processesPage(views, defaultZone, kit.context(request, reply)));
  });

  app.get<{ Params: Static<typeof NameParams>; Querystring: ProcessPageQuery }>(
    '/ui/processes/:name',
    { config: { public: true }, schema: { params: NameParams, querystring: ProcessPageQuery } },
    async (request, reply) => {
      const { name } = request.params;
      const view = await processes.get(name);
      const zone = zoneOf(view, defaultZone);
      const { form, filters, paging } = parseHistoryQuery(request.query, zone, EXECUTIONS_PER_PAGE);
      const [history, stats] = await Promise.all([
        executionHistory(app.deps.orm.em.fork(), app.deps.registry, app.deps.config, name, filters, paging),
        dailyStats(app.deps.orm.em.fork(), name, zone, form.days, Date.now(), pastDays),
      ]);
      const page = processPage({ view, history, form, stats }, defaultZone, kit.context(request, reply));
      return kit.sendPage(reply, page);
    },
  );

  for (const [action, enabled] of [
    ['pause', false],
    ['resume', true],
  ] as const) {
    app.post<{ Params: Static<typeof NameParams>; Body: Static<typeof NoteBody> }>(
      `/ui/processes/:name/${action}`,
      { config: formRoute, preValidation: app.csrfProtection, schema: { params: NameParams, body: NoteBody } },
      async (request, reply) => {
        const note = request.body.note?.trim();
        // The same service as POST /processes/:name/pause and /resume.
        await processes.setEnabled(request.params.name, enabled, note === '' ? undefined : note);
        return reply.redirect(`/ui/processes/${encodeURIComponent(request.params.name)}`, 303);
      },
    );
  }
}
