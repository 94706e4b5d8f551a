import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from './deps';
import { ErrorBody } from './schemas/common';
import { ExecutionView } from './schemas/execution';
import { ProcessView } from './schemas/process';
import errorHandler from './plugins/error-handler';
import auth from './plugins/auth';
import openapi from './plugins/openapi';
import healthRoutes from './routes/health';
import processRoutes from './routes/processes';
import runRoutes from './routes/runs';

/** 64 KiB: far above any real process config, far below anything that could hurt. */
export const BODY_LIMIT = 64 * 1024;

export type App = FastifyInstance;

const SHARED_SCHEMAS = [ErrorBody, ExecutionView, ProcessView];

/** Assembles the API without listening: server.ts listens, tests use app.inject(). */
export async function buildApp(deps: AppDeps, options: FastifyServerOptions = {}): Promise<App> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    ...options,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('deps', deps);
  // Shared schemas, referenced by $id from routes and from the OpenAPI document.
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  await app.register(errorHandler);
  await app.register(openapi);
  await app.register(auth, { token: deps.config.apiToken });
  await app.register(healthRoutes);
  await app.register(processRoutes);
  await app.register(runRoutes);
  return app;
}
