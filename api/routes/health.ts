import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps';

/** How long /ready waits for each dependency before calling it down. */
export const READY_CHECK_TIMEOUT_MS = 2_000;

const CheckState = Type.Union([Type.Literal('up'), Type.Literal('down')]);
const Checks = Type.Object({ postgresql: CheckState, temporal: CheckState }, { additionalProperties: false });

export const HealthBody = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false });
export const ReadyBody = Type.Object(
  { status: Type.Literal('ready'), checks: Checks },
  { additionalProperties: false },
);
export const NotReadyBody = Type.Object(
  {
    status: Type.Literal('unavailable'),
    checks: Checks,
    message: Type.String({ description: 'Which dependency cannot be reached, e.g. "Temporal cannot be reached"' }),
  },
  { additionalProperties: false },
);

type Dependency = 'PostgreSQL' | 'Temporal';

/** Resolves true when `check` succeeds within the timeout; never rejects. The reason goes to the log only. */
async function isUp(
  what: Dependency,
  check: (deadline: number) => Promise<unknown>,
  log: FastifyBaseLogger,
  timeoutMs: number,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const attempt = check(Date.now() + timeoutMs);
  attempt.catch(() => undefined); // a late failure after the timeout is not an unhandled rejection
  try {
    await Promise.race([attempt, timedOut]);
    return true;
  } catch (err) {
    log.warn({ err }, `readiness: ${what} is down`);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function checkPostgres(deps: AppDeps): Promise<unknown> {
  return deps.orm.em.getConnection().execute('SELECT 1');
}

function checkTemporal(deps: AppDeps, deadline: number): Promise<unknown> {
  // The deadline covers the client's own retries of an unavailable server.
  return deps.client.connection.withDeadline(deadline, () => deps.client.workflowService.getSystemInfo({}));
}

/** GET /health (the process is alive) and GET /ready (it can reach PostgreSQL and Temporal); both public. */
export default async function healthRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Liveness: the API process is running',
        description: 'Checks nothing else; use /ready to know whether requests can be served.',
        response: { 200: HealthBody },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Readiness: PostgreSQL and Temporal both answer',
        description: `Each dependency gets ${READY_CHECK_TIMEOUT_MS / 1000} s. 503 names the one that is down.`,
        response: { 200: ReadyBody, 503: NotReadyBody },
      },
    },
    async (request, reply) => {
      const { deps } = app;
      void reply.header('cache-control', 'no-store');
      const [postgresql, temporal] = await Promise.all([
        isUp('PostgreSQL', () => checkPostgres(deps), request.log, READY_CHECK_TIMEOUT_MS),
        isUp('Temporal', (deadline) => checkTemporal(deps, deadline), request.log, READY_CHECK_TIMEOUT_MS),
      ]);
      const checks = { postgresql: postgresql ? 'up' : 'down', temporal: temporal ? 'up' : 'down' } as const;
      if (postgresql && temporal) return { status: 'ready' as const, checks };
      const down = [postgresql ? [] : ['PostgreSQL'], temporal ? [] : ['Temporal']].flat();
      return reply.code(503).send({
        status: 'unavailable' as const,
        checks,
        message: `${down.join(' and ')} cannot be reached`,
      });
    },
  );
}
