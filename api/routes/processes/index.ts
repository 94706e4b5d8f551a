import type { FastifyInstance } from 'fastify';

/** Processes: list, get, create, update, delete, pause, resume (being written). */
export default async function processRoutes(_app: FastifyInstance): Promise<void> {}
