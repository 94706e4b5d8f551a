import { ServiceError } from '@temporalio/client';
import { status as GrpcStatus } from '@grpc/grpc-js';

export type ApiErrorStatus = 400 | 401 | 404 | 409 | 503;

/** An error the API answers with as it is: its status, a stable code, and a message saying what is allowed. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: ApiErrorStatus,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function badRequest(field: string, rule: string, details: Record<string, unknown> = {}): ApiError {
  return new ApiError(400, 'INVALID_INPUT', `${field} ${rule}`, { field, rule, ...details });
}

export function notFound(what: string, id: string): ApiError {
  return new ApiError(404, 'NOT_FOUND', `${what} "${id}" does not exist`);
}

const PG_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  '57P01',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** Which dependency an error says is unreachable, if any. */
export function unavailableDependency(err: unknown): 'PostgreSQL' | 'Temporal' | undefined {
  if (err instanceof ServiceError) {
    const code = (err.cause as { code?: unknown } | undefined)?.code;
    if (code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED) return 'Temporal';
    return undefined;
  }
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof e.code === 'string' && PG_UNAVAILABLE.has(e.code)) return 'PostgreSQL';
  if (e.name === 'ConnectionException') return 'PostgreSQL';
  if (
    typeof e.message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect/i.test(e.message)
  ) {
    return 'PostgreSQL';
  }
  return undefined;
}
