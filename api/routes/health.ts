import type { FastifyInstance } from 'fastify';

/** Placeholder until the health routes land: liveness only. */
export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/health', { config: { public: true } }, async () => ({ status: 'ok' }));
}
