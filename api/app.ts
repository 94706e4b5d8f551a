import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { AppDeps } from './deps';
import { assertStorableBody } from './body-guard';
import { ErrorBody } from './schemas/common';
import { ExecutionView } from './schemas/execution';
import { ProcessView } from './schemas/process';
import errorHandler from './plugins/error-handler';
import auth from './plugins/auth';
import jsonBody from './plugins/json-body';
import openapi from './plugins/openapi';
import requestOrigin from './plugins/request-origin';
import eventRoutes from './routes/events';
import healthRoutes from './routes/health';
import metricsRoutes from './routes/metrics';
import processRoutes from './routes/processes';
import runRoutes from './routes/runs';
import consoleUi from './ui';

/** 64 KiB: far above any real process config, far below anything that could hurt. */
export const BODY_LIMIT = 64 * 1024;

export type App = FastifyInstance;

function validator(coerceTypes: false | 'array'): Ajv {
  const ajv = new Ajv({ removeAdditional: false, useDefaults: true, coerceTypes, allErrors: false });
  addFormats(ajv);
  return ajv;
}
const STRICT = validator(false);
const LENIENT = validator('array');

const SHARED_SCHEMAS = [ErrorBody, ExecutionView, ProcessView];

/** Assembles the API without listening: server.ts listens, tests use app.inject(). */
export async function buildApp(deps: AppDeps, options: FastifyServerOptions = {}): Promise<App> {
  const app = Fastify({ bodyLimit: BODY_LIMIT, ...options }).withTypeProvider<TypeBoxTypeProvider>();
  // First, so every hook and route registered after it runs inside the request's span.
  if (deps.tracing) await app.register(deps.tracing.fastifyPlugin);
  // Query strings and paths are text, so their numbers are coerced; a JSON body is taken as typed.
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? STRICT : LENIENT).compile(schema));
  app.addHook('preValidation', async (request) => assertStorableBody(request.body));
  app.decorate('deps', deps);
  // Shared schemas, referenced by $id from routes and from the OpenAPI document.
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  await app.register(errorHandler);
  await app.register(openapi);
  await app.register(jsonBody);
  await app.register(auth, { token: deps.config.apiToken, metricsToken: deps.config.metricsToken });
  await app.register(requestOrigin, { token: deps.config.apiToken });
  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(processRoutes);
  await app.register(runRoutes);
  await app.register(eventRoutes);
  // The operator's console (HTML under /ui), in a scope of its own: its cookies, CSRF and headers stay there.
  await app.register(consoleUi, { token: deps.config.apiToken });
  return app;
}
