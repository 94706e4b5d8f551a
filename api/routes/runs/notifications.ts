import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import '../../deps';
import { errors, NameParams } from '../../schemas/common';
import { NotificationPage, NotificationsQuery } from '../../schemas/notifications';
import { listNotifications } from '../../services/runs/notifications';

export default async function notificationRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/processes/:name/notifications',
    {
      schema: {
        tags: ['runs'],
        summary: "A process's notifications and how their delivery went",
        description:
          'One item per delivery of an event (failed, timed_out, recovered, skipped, missed, unusual) to a ' +
          "channel of the process's policy: attempts so far, the last answer (HTTP status or SMTP code) and " +
          'error, and when it was delivered or given up (after 90 minutes of retries). Paginated like the executions.',
        params: NameParams,
        querystring: NotificationsQuery,
        response: { 200: NotificationPage, ...errors(400, 401, 404, 503) },
      },
    },
    async (request) => listNotifications(app.deps.orm.em.fork(), app.deps.registry, request.params.name, request.query),
  );
}
