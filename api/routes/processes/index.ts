import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { errors, NameParams, Note } from '../../schemas/common';
import { CreateProcessBody, ProcessView, UpdateProcessBody } from '../../schemas/process';
import { processService } from '../../services/processes';

const tags = ['processes'];

/** /processes: list, read, create, change, delete, pause and resume automated processes. */
export default async function processRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const processes = processService(app.deps);

  app.get(
    '/processes',
    {
      schema: {
        tags,
        summary: 'List processes with their schedule, state, next runs and recent runs',
        response: { 200: Type.Object({ items: Type.Array(Type.Ref(ProcessView)) }), ...errors(401, 503) },
      },
    },
    async () => ({ items: await processes.list() }),
  );

  app.get(
    '/processes/:name',
    {
      schema: {
        tags,
        summary: 'One process',
        params: NameParams,
        response: { 200: Type.Ref(ProcessView), ...errors(400, 401, 404, 503) },
      },
    },
    async (request) => processes.get(request.params.name),
  );

  app.post(
    '/processes',
    {
      schema: {
        tags,
        summary: 'Create a process from a registered implementation; its schedule exists in Temporal on return',
        body: CreateProcessBody,
        response: { 201: Type.Ref(ProcessView), ...errors(400, 401, 409, 503) },
      },
    },
    async (request, reply) => reply.code(201).send(await processes.create(request.body)),
  );

  app.patch(
    '/processes/:name',
    {
      schema: {
        tags,
        summary: 'Change description, schedule, config or enabled; the Temporal schedule follows',
        params: NameParams,
        body: UpdateProcessBody,
        response: { 200: Type.Ref(ProcessView), ...errors(400, 401, 404, 409, 503) },
      },
    },
    async (request) => processes.update(request.params.name, request.body),
  );

  app.delete(
    '/processes/:name',
    {
      schema: {
        tags,
        summary: 'Delete a process and its schedule; its execution history is kept and stays readable',
        params: NameParams,
        response: { 204: Type.Null(), ...errors(400, 401, 404, 503) },
      },
    },
    async (request, reply) => {
      await processes.remove(request.params.name);
      return reply.code(204).send(null);
    },
  );

  for (const [action, enabled] of [
    ['pause', false],
    ['resume', true],
  ] as const) {
    app.post(
      `/processes/:name/${action}`,
      {
        // The note is optional, and so is the body that carries it.
        preValidation: async (request) => {
          request.body ??= {};
        },
        schema: {
          tags,
          summary: enabled
            ? 'Resume the schedule (and enable the process), with an optional note'
            : 'Pause the schedule (and disable the process), with an optional note shown in the Temporal Web UI',
          params: NameParams,
          body: Note,
          response: { 200: Type.Ref(ProcessView), ...errors(400, 401, 404, 503) },
        },
      },
      async (request) => processes.setEnabled(request.params.name, enabled, request.body.note),
    );
  }
}
