import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isLockTimeout } from '../../db/orm';
import { unreachableServer } from '../../platform/connection-failures';
import { ApiError } from '../errors';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** "body.schedule.hour" from ajv's "/schedule/hour" in the body. */
function fieldOf(issue: ValidationIssue, context: string | undefined): string {
  const base = [context ?? 'body', ...issue.instancePath.split('/').filter(Boolean)].join('.');
  if (issue.keyword === 'required') return `${base}.${String(issue.params.missingProperty)}`;
  if (issue.keyword === 'additionalProperties') return `${base}.${String(issue.params.additionalProperty)}`;
  return base;
}

function ruleOf(issue: ValidationIssue): string {
  if (issue.keyword === 'required') return 'is required';
  if (issue.keyword === 'additionalProperties') return 'is not a known field';
  return issue.message ?? `breaks the ${issue.keyword} rule`;
}

/** A 400 body naming the field and the rule it broke. */
function badInput(code: string, field: string, rule: string) {
  return { statusCode: 400, code, error: 'Bad Request', message: `${field} ${rule}`, field, rule };
}

/**
 * One error shape for every route: `{ statusCode, code, error, message, ...details }`. Bad input names
 * the field and the rule; 5xx bodies say nothing of internals (the log, with the request id, has them).
 */
export default fp(
  async function errorHandler(app: FastifyInstance) {
    app.setErrorHandler((err: FastifyError & { validationContext?: string }, request, reply) => {
      if (err instanceof ApiError) {
        return reply.code(err.statusCode).send({
          statusCode: err.statusCode,
          code: err.code,
          error: STATUS_CODES[err.statusCode] ?? 'Error',
          message: err.message,
          ...err.details,
        });
      }
      if (err.validation && err.validation.length > 0) {
        const issue = err.validation[0] as unknown as ValidationIssue;
        const field = fieldOf(issue, err.validationContext);
        const rule = ruleOf(issue);
        return reply.code(400).send(badInput('INVALID_INPUT', field, rule));
      }
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        const rule = `must be at most ${app.initialConfig.bodyLimit} bytes`;
        return reply.code(400).send(badInput('BODY_TOO_LARGE', 'body', rule));
      }
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
        // Fastify's own client errors: malformed JSON, wrong content type, and the like.
        return reply.code(400).send({ ...badInput('INVALID_INPUT', 'body', err.message), message: err.message });
      }
      if (typeof err.code === 'string' && /^22[0-9A-Z]{3}$/.test(err.code)) {
        // A PostgreSQL data exception (a date out of its range, say) is the input's fault, not ours.
        request.log.warn({ err }, 'input the database refused');
        const rule = 'holds a value PostgreSQL cannot store or compare';
        return reply.code(400).send(badInput('INVALID_INPUT', 'input', rule));
      }
      if (isLockTimeout(err)) {
        // A lock wait past its bound (holdSharedLock): the database is busy, not broken.
        request.log.warn({ err }, 'lock wait timed out');
        return reply.code(503).send({
          statusCode: 503,
          code: 'BUSY',
          error: 'Service Unavailable',
          message: 'Another change is in progress; try again in a few seconds',
        });
      }
      const dependency = unreachableServer(err);
      if (dependency) {
        request.log.error({ err }, `${dependency} is unavailable`);
        return reply.code(503).send({
          statusCode: 503,
          code: 'DEPENDENCY_UNAVAILABLE',
          error: 'Service Unavailable',
          message: `${dependency} cannot be reached; try again later`,
          dependency,
        });
      }
      request.log.error({ err }, 'unhandled error');
      return reply.code(500).send({
        statusCode: 500,
        code: 'INTERNAL',
        error: 'Internal Server Error',
        message: `Something went wrong; the log has request ${request.id}`,
      });
    });

    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({
        statusCode: 404,
        code: 'NOT_FOUND',
        error: 'Not Found',
        message: `No route ${request.method} ${request.url.split('?')[0]}`,
      }),
    );
  },
  { name: 'error-handler' },
);
