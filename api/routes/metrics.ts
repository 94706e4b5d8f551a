import type { FastifyInstance } from 'fastify';
import { createMetricsCollector } from '../services/metrics/collector';

/**
 * GET /metrics: Prometheus's text format, for a Prometheus server rather than for people or the API's
 * clients, so it stays out of the OpenAPI document. It takes API_TOKEN, or METRICS_TOKEN when set
 * (auth.ts: `config.metricsToken`), so a scraper need not hold the token that changes processes.
 */
export default async function metricsRoutes(app: FastifyInstance): Promise<void> {
  const collector = createMetricsCollector(app.deps.orm);
  app.get('/metrics', { schema: { hide: true }, config: { metricsToken: true } }, async (_request, reply) => {
    const text = await collector.scrape();
    return reply.header('cache-control', 'no-store').type(collector.contentType).send(text);
  });
}
